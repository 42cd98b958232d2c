#include "xml/interface_pin.h"

#include "common/ascii.h"
#include "common/error.h"
#include "xml/domain_xml.h"
#include "xml/xml_doc.h"

namespace vxnet {

std::optional<std::string> PinInterfaceIds(std::string_view domain_xml, const std::set<std::string>& networks,
                                           const std::map<std::string, std::string>& live_ids,
                                           const std::function<std::string()>& new_id, std::vector<std::string>& changes) {
  return EditNetworkInterfaces(domain_xml, [&](const std::string& domain_name, xmlNode* iface, const std::string& network) {
    if (!networks.count(network)) return false;
    xmlNode* vport = const_cast<xmlNode*>(FirstChild(iface, "virtualport"));
    if (vport && Attribute(vport, "type").value_or("openvswitch") != "openvswitch") return false;
    xmlNode* params = vport ? const_cast<xmlNode*>(FirstChild(vport, "parameters")) : nullptr;
    if (params && Attribute(params, "interfaceid")) return false;
    const xmlNode* mac = FirstChild(iface, "mac");
    const std::string mac_text = mac ? Attribute(mac, "address").value_or("") : "";
    auto live = live_ids.find(AsciiLower(mac_text));
    const std::string id = live != live_ids.end() && !live->second.empty() ? live->second : new_id();
    if (!vport) {
      vport = xmlNewChild(iface, nullptr, BAD_CAST "virtualport", nullptr);
      xmlSetProp(vport, BAD_CAST "type", BAD_CAST "openvswitch");
    }
    if (!params) params = xmlNewChild(vport, nullptr, BAD_CAST "parameters", nullptr);
    xmlSetProp(params, BAD_CAST "interfaceid", BAD_CAST id.c_str());
    changes.push_back("domain '" + domain_name + "' interface " + (mac_text.empty() ? "?" : mac_text) + ": interfaceid pinned to " +
                      id + (live != live_ids.end() ? " (the one it runs with)" : "") + " (network " + network + ", OVN mode)");
    return true;
  });
}

}  // namespace vxnet
