#include "xml/interface_pin.h"

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "xml/xml_doc.h"

namespace vxnet {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::optional<std::string> PinInterfaceIds(std::string_view domain_xml, const std::set<std::string>& networks,
                                           const std::map<std::string, std::string>& live_ids,
                                           const std::function<std::string()>& new_id, std::vector<std::string>& changes) {
  XmlDoc doc = XmlDoc::Parse(domain_xml, "domain XML");
  const xmlNode* domain = doc.root();
  if (!IsElement(domain, "domain")) throw Error("domain XML root element", NodeName(domain), "must be <domain>");
  const xmlNode* name = FirstChild(domain, "name");
  const std::string domain_name = name ? Text(name) : "?";
  bool changed = false;
  for (const xmlNode* c : ChildElements(FirstChild(domain, "devices"))) {
    if (!IsElement(c, "interface") || Attribute(c, "type").value_or("") != "network") continue;
    const xmlNode* source = FirstChild(c, "source");
    const std::string network = source ? Attribute(source, "network").value_or("") : "";
    if (!networks.count(network)) continue;
    xmlNode* iface = const_cast<xmlNode*>(c);
    xmlNode* vport = const_cast<xmlNode*>(FirstChild(c, "virtualport"));
    if (vport && Attribute(vport, "type").value_or("openvswitch") != "openvswitch") continue;
    xmlNode* params = vport ? const_cast<xmlNode*>(FirstChild(vport, "parameters")) : nullptr;
    if (params && Attribute(params, "interfaceid")) continue;
    const xmlNode* mac = FirstChild(c, "mac");
    const std::string mac_text = mac ? Attribute(mac, "address").value_or("") : "";
    auto live = live_ids.find(Lower(mac_text));
    const std::string id = live != live_ids.end() && !live->second.empty() ? live->second : new_id();
    if (!vport) {
      vport = xmlNewChild(iface, nullptr, BAD_CAST "virtualport", nullptr);
      xmlSetProp(vport, BAD_CAST "type", BAD_CAST "openvswitch");
    }
    if (!params) params = xmlNewChild(vport, nullptr, BAD_CAST "parameters", nullptr);
    xmlSetProp(params, BAD_CAST "interfaceid", BAD_CAST id.c_str());
    changes.push_back("domain '" + domain_name + "' interface " + (mac_text.empty() ? "?" : mac_text) + ": interfaceid pinned to " +
                      id + (live != live_ids.end() ? " (the one it runs with)" : "") + " (network " + network + ", OVN mode)");
    changed = true;
  }
  if (!changed) return std::nullopt;
  return Dump(doc, domain);
}

}  // namespace vxnet
