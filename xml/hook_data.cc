#include "xml/hook_data.h"

#include "xml/xml_doc.h"

namespace vxnet {

namespace {

NetworkPort ParsePort(const xmlNode* port) {
  NetworkPort p;
  for (const xmlNode* child : ChildElements(port)) {
    if (IsElement(child, "uuid")) {
      p.uuid = Text(child);
    } else if (IsElement(child, "owner")) {
      if (const xmlNode* n = FirstChild(child, "name")) p.owner_name = Text(n);
      if (const xmlNode* u = FirstChild(child, "uuid")) p.owner_uuid = Text(u);
    } else if (IsElement(child, "mac")) {
      p.mac = Attribute(child, "address").value_or("");
    } else if (IsElement(child, "virtualport")) {
      if (const xmlNode* params = FirstChild(child, "parameters"))
        p.interface_id = Attribute(params, "interfaceid").value_or("");
    } else if (IsElement(child, "plug")) {
      p.plug_bridge = Attribute(child, "bridge").value_or("");
    }
  }
  return p;
}

}  // namespace

HookData ParseHookData(std::string_view xml) {
  XmlDoc doc = XmlDoc::Parse(xml, "hook stdin");
  const xmlNode* root = doc.root();
  if (!IsElement(root, "hookData"))
    throw Error("hook stdin root element", NodeName(root), "must be <hookData>");
  const xmlNode* network = FirstChild(root, "network");
  if (!network) throw Error("hook stdin", "<hookData>", "has no <network> element");
  HookData data{ParseNetworkElement(network), std::nullopt};
  if (const xmlNode* port = FirstChild(root, "networkport")) data.port = ParsePort(port);
  return data;
}

}  // namespace vxnet
