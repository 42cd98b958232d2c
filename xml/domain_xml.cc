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
    if (const xmlNode* source = FirstChild(iface, "source")) {
      i.network = Attribute(source, "network").value_or("");
      i.port_id = Attribute(source, "portid").value_or("");
      i.bridge = Attribute(source, "bridge").value_or("");
    }
    if (const xmlNode* mac = FirstChild(iface, "mac")) i.mac = Attribute(mac, "address").value_or("");
    if (const xmlNode* target = FirstChild(iface, "target")) i.target_dev = Attribute(target, "dev").value_or("");
    if (const xmlNode* vport = FirstChild(iface, "virtualport"))
      if (const xmlNode* params = FirstChild(vport, "parameters"))
        i.interface_id = Attribute(params, "interfaceid").value_or("");
    if (const xmlNode* mtu = FirstChild(iface, "mtu")) {
      const std::string size = Attribute(mtu, "size").value_or("");
      const std::uint64_t value = ParseDecimal("domain '" + d.name + "' interface MTU", size);
      i.mtu = static_cast<long long>(std::min<std::uint64_t>(value, 1ull << 40));
    }
    d.interfaces.push_back(std::move(i));
  }
  return d;
}

std::optional<std::string> EditNetworkInterfaces(std::string_view domain_xml, const NetworkInterfaceEdit& edit) {
  XmlDoc doc = XmlDoc::Parse(domain_xml, "domain XML");
  const xmlNode* domain = doc.root();
  if (!IsElement(domain, "domain")) throw Error("domain XML root element", NodeName(domain), "must be <domain>");
  const xmlNode* name = FirstChild(domain, "name");
  const std::string domain_name = name ? Text(name) : "?";
  bool changed = false;
  for (const xmlNode* c : ChildElements(FirstChild(domain, "devices"))) {
    if (!IsElement(c, "interface") || Attribute(c, "type").value_or("") != "network") continue;
    const xmlNode* source = FirstChild(c, "source");
    if (edit(domain_name, const_cast<xmlNode*>(c), source ? Attribute(source, "network").value_or("") : "")) changed = true;
  }
  if (!changed) return std::nullopt;
  return Dump(doc, domain);
}

std::optional<std::string> AdoptInterfaceMtus(std::string_view domain_xml,
                                              const std::map<std::string, int>& mtu_by_network,
                                              std::vector<std::string>& changes) {
  return EditNetworkInterfaces(domain_xml, [&](const std::string& domain_name, xmlNode* iface, const std::string& network) {
    auto it = mtu_by_network.find(network);
    if (it == mtu_by_network.end()) return false;
    const xmlNode* mac = FirstChild(iface, "mac");
    const std::string who = "domain '" + domain_name + "' interface " + (mac ? Attribute(mac, "address").value_or("?") : "?");
    const std::string size = std::to_string(it->second);
    xmlNode* mtu = const_cast<xmlNode*>(FirstChild(iface, "mtu"));
    const std::optional<std::string> old = mtu ? Attribute(mtu, "size") : std::nullopt;
    if (old == size) return false;
    if (!mtu) mtu = xmlNewChild(iface, nullptr, BAD_CAST "mtu", nullptr);
    xmlSetProp(mtu, BAD_CAST "size", BAD_CAST size.c_str());
    changes.push_back(who + ": mtu " + old.value_or("none") + " -> " + size + " (network " + it->first + ")");
    return true;
  });
}

LibvirtNetwork ParseNetworkStatusXml(std::string_view xml) {
  XmlDoc doc = XmlDoc::Parse(xml, "network status XML");
  const xmlNode* network = doc.root();
  if (IsElement(network, "networkstatus")) network = FirstChild(network, "network");
  return ParseNetworkElement(network);
}

}  // namespace vxnet
