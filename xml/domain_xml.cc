#include "xml/domain_xml.h"

#include "xml/xml_doc.h"

namespace vxnet {

Domain ParseDomainXml(std::string_view xml) {
  XmlDoc doc = XmlDoc::Parse(xml, "domain XML");
  const xmlNode* domain = doc.root();
  if (IsElement(domain, "domstatus")) domain = FirstChild(domain, "domain");
  if (!IsElement(domain, "domain")) throw Error("domain XML root element", NodeName(doc.root()), "must be <domain>");
  Domain d;
  if (const xmlNode* n = FirstChild(domain, "name")) d.name = Text(n);
  if (const xmlNode* u = FirstChild(domain, "uuid")) d.uuid = Text(u);
  for (const xmlNode* iface : ChildElements(FirstChild(domain, "devices"))) {
    if (!IsElement(iface, "interface")) continue;
    DomainInterface i;
    i.type = Attribute(iface, "type").value_or("");
    if (const xmlNode* source = FirstChild(iface, "source")) i.network = Attribute(source, "network").value_or("");
    if (const xmlNode* mac = FirstChild(iface, "mac")) i.mac = Attribute(mac, "address").value_or("");
    if (const xmlNode* mtu = FirstChild(iface, "mtu")) {
      const std::string size = Attribute(mtu, "size").value_or("");
      const std::uint64_t value = ParseDecimal("domain '" + d.name + "' interface MTU", size);
      i.mtu = static_cast<long long>(std::min<std::uint64_t>(value, 1ull << 40));
    }
    d.interfaces.push_back(std::move(i));
  }
  return d;
}

LibvirtNetwork ParseNetworkStatusXml(std::string_view xml) {
  XmlDoc doc = XmlDoc::Parse(xml, "network status XML");
  const xmlNode* network = doc.root();
  if (IsElement(network, "networkstatus")) network = FirstChild(network, "network");
  return ParseNetworkElement(network);
}

}  // namespace vxnet
