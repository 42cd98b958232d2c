#include "xml/network_xml.h"

#include <charconv>

#include "xml/xml_doc.h"

namespace vxnet {

namespace {

constexpr const char* kOverlayElement = "overlay";
constexpr const char* kPeerElement = "peer";

IpAddress ParseIp(const std::string& what, const std::string& text) {
  auto ip = IpAddress::Parse(text);
  if (!ip) throw Error(what, text, "is not an IPv4 or IPv6 address");
  return *ip;
}

void ReadOverlay(const xmlNode* overlay, NetworkSpec& spec) {
  for (const xmlAttr* a = overlay->properties; a; a = a->next) {
    const std::string name = reinterpret_cast<const char*>(a->name);
    if (a->ns)
      throw Error("vxnet metadata attribute", name, "must not carry a namespace prefix");
    const std::string value = *Attribute(overlay, name.c_str());
    if (name == "vni") {
      spec.vni = ParseDecimal("vxnet vni", value);
    } else if (name == "dst-port") {
      spec.dst_port = ParseDecimal("vxnet dst-port", value);
    } else if (name == "datapath") {
      auto d = ParseDatapath(value);
      if (!d) throw Error("vxnet datapath", value, "must be 'system' or 'netdev'");
      spec.datapath = *d;
    } else if (name == "mtu") {
      spec.mtu = ParseMtuSetting("vxnet mtu", value);
    } else if (name == "local-ip") {
      spec.local_ip = ParseIp("vxnet local-ip", value);
    } else if (name == "address") {
      auto cidr = Cidr::Parse(value);
      if (!cidr)
        throw Error("vxnet address", value, "is not an address in CIDR form", "write e.g. 10.100.0.1/16");
      spec.address = *cidr;
    } else if (name == "attach-bridge") {
      spec.attach_bridge = value;
    } else if (name == "bfd") {
      if (value != "true" && value != "false") throw Error("vxnet bfd", value, "must be 'true' or 'false'");
      spec.bfd = value == "true";
    } else if (name == "mode") {
      auto m = ParseNetworkMode(value);
      if (!m) throw Error("vxnet mode", value, "must be 'mesh' or 'ovn'");
      spec.mode = *m;
    } else if (name == "ovn-nb") {
      spec.ovn.nb = value;
    } else if (name == "ovn-sb") {
      spec.ovn.sb = value;
    } else if (name == "encap") {
      auto e = ParseEncap(value);
      if (!e) throw Error("vxnet encap", value, "must be 'geneve' or 'vxlan'");
      spec.ovn.encap = *e;
    } else if (name == "switch") {
      spec.ovn.logical_switch = value;
    } else if (name == "guest-mtu-policy") {
      auto p = ParseGuestMtuPolicy(value);
      if (!p) throw Error("vxnet guest-mtu-policy", value, "must be 'warn' or 'strict'");
      spec.guest_mtu_policy = *p;
    } else {
      throw Error("vxnet metadata attribute", name, "is not known to this vxnet",
                  "remove it or upgrade vxnet");
    }
  }
  for (const xmlNode* child : ChildElements(overlay)) {
    if (!IsElement(child, kPeerElement, kVxnetNamespace))
      throw Error("vxnet metadata element", NodeName(child), "is not known to this vxnet",
                  "only <peer address='…'/> may appear inside <overlay>");
    auto address = Attribute(child, "address");
    const std::string what = "vxnet peer " + std::to_string(spec.peers.size() + 1);
    if (!address) throw Error(what, "", "has no address attribute");
    spec.peers.push_back(ParseIp(what, *address));
  }
}

}  // namespace

LibvirtNetwork ParseNetworkElement(const xmlNode* network) {
  if (!IsElement(network, "network"))
    throw Error("root element", NodeName(network), "must be <network>");
  LibvirtNetwork net;
  const xmlNode* overlay = nullptr;
  std::optional<Error> metadata_error;
  for (const xmlNode* child : ChildElements(network)) {
    if (child->ns) continue;  // libvirt elements carry no namespace
    const std::string name = NodeName(child);
    if (name == "name") {
      net.name = Text(child);
    } else if (name == "uuid") {
      net.uuid = Text(child);
    } else if (name == "forward") {
      net.forward_mode = Attribute(child, "mode").value_or("nat");
    } else if (name == "bridge") {
      net.bridge = Attribute(child, "name").value_or("");
    } else if (name == "virtualport") {
      net.virtualport_type = Attribute(child, "type").value_or("");
    } else if (name == "mtu") {
      net.has_libvirt_mtu = true;
    } else if (name == "metadata") {
      for (const xmlNode* m : ChildElements(child)) {
        if (!m->ns || !m->ns->href || std::string_view(reinterpret_cast<const char*>(m->ns->href)) != kVxnetNamespace)
          continue;  // another application's metadata
        if (metadata_error) continue;
        if (!IsElement(m, kOverlayElement, kVxnetNamespace))
          metadata_error = Error("vxnet metadata element", NodeName(m), "is not known to this vxnet",
                                 "the element is <overlay>");
        else if (overlay)
          metadata_error = Error("vxnet metadata", "overlay", "appears twice; libvirt keeps one element per namespace");
        else
          overlay = m;
      }
    }
  }
  if (metadata_error) {
    net.metadata_error = std::move(metadata_error);
  } else if (overlay) {
    NetworkSpec spec;
    spec.name = net.name;
    if (!net.uuid.empty()) spec.uuid = net.uuid;
    spec.bridge = net.bridge;
    try {
      ReadOverlay(overlay, spec);
      net.spec = std::move(spec);
    } catch (const Error& e) {
      net.metadata_error = e;
    }
  }
  return net;
}

LibvirtNetwork ParseNetworkXml(std::string_view xml) {
  XmlDoc doc = XmlDoc::Parse(xml, "network XML");
  return ParseNetworkElement(doc.root());
}

std::string UnmanagedReason(const LibvirtNetwork& net) {
  std::string reason = "network '" + Printable(net.name) + "' is not managed by vxnet: no <metadata> element in namespace " +
                       kVxnetNamespace;
  if (net.forward_mode == "bridge" && net.virtualport_type == "openvswitch")
    reason += " (it is an Open vSwitch bridge network; 'vxnet-gen network' writes one vxnet manages)";
  return reason;
}

std::vector<Error> ValidateNetwork(const LibvirtNetwork& net) {
  std::vector<Error> errors;
  const std::string object = "network '" + Printable(net.name) + "'";
  if (net.metadata_error) errors.push_back(*net.metadata_error);
  if (net.forward_mode != "bridge")
    errors.emplace_back(object + " forward mode", net.forward_mode, "must be 'bridge' for a vxnet network",
                        "use <forward mode='bridge'/>");
  if (net.virtualport_type != "openvswitch")
    errors.emplace_back(object + " virtualport type", net.virtualport_type,
                        "must be 'openvswitch' for a vxnet network", "add <virtualport type='openvswitch'/>");
  if (net.bridge.empty())
    errors.emplace_back(object + " bridge", "", "is missing", "add <bridge name='ovs-sw0'/>");
  if (net.has_libvirt_mtu)
    errors.emplace_back(object + " <mtu>", "present", "libvirt refuses <mtu> in bridge mode",
                        "remove it and set mtu='N' on the vxnet:overlay element instead");
  if (net.spec) {
    for (Error& e : ValidateSpec(*net.spec))
      if (!(net.bridge.empty() && e.object() == "bridge name")) errors.push_back(std::move(e));
  }
  return errors;
}

namespace {

void SetAttribute(xmlNode* node, const char* name, const std::string& value) {
  xmlNewProp(node, BAD_CAST name, BAD_CAST value.c_str());
}

// vxnet's <overlay> under `parent`, in namespace `ns` (null: none).
void AddOverlay(xmlNode* parent, const NetworkSpec& spec, bool with_namespace) {
  xmlNode* overlay = xmlNewChild(parent, nullptr, BAD_CAST kOverlayElement, nullptr);
  xmlNs* ns = nullptr;
  if (with_namespace) {
    ns = xmlNewNs(overlay, BAD_CAST kVxnetNamespace, BAD_CAST "vxnet");
    xmlSetNs(overlay, ns);
  }
  auto attr = SetAttribute;
  if (spec.is_ovn()) {
    // Only what OVN mode uses: OVN chooses tunnel keys and finds the peers.
    attr(overlay, "mode", "ovn");
    if (!spec.ovn.nb.empty()) attr(overlay, "ovn-nb", spec.ovn.nb);
    if (!spec.ovn.sb.empty()) attr(overlay, "ovn-sb", spec.ovn.sb);
    attr(overlay, "encap", std::string(ToString(spec.ovn.encap)));
    if (!spec.ovn.logical_switch.empty()) attr(overlay, "switch", spec.ovn.logical_switch);
  } else {
    attr(overlay, "vni", std::to_string(spec.vni));
    attr(overlay, "dst-port", std::to_string(spec.dst_port));
  }
  attr(overlay, "datapath", std::string(ToString(spec.datapath)));
  attr(overlay, "mtu", spec.mtu ? std::to_string(*spec.mtu) : "auto");
  if (spec.local_ip) attr(overlay, "local-ip", spec.local_ip->ToString());
  if (spec.address) attr(overlay, "address", spec.address->ToString());
  if (spec.attach_bridge) attr(overlay, "attach-bridge", *spec.attach_bridge);
  attr(overlay, "guest-mtu-policy", std::string(ToString(spec.guest_mtu_policy)));
  if (spec.bfd) attr(overlay, "bfd", "true");
  for (const IpAddress& peer : spec.peers) {
    xmlNode* p = xmlNewChild(overlay, ns, BAD_CAST kPeerElement, nullptr);
    attr(p, "address", peer.ToString());
  }
}

}  // namespace

std::string FormatOverlayElement(const NetworkSpec& spec) {
  XmlDoc doc = XmlDoc::Empty();
  xmlNode* holder = xmlNewDocNode(doc.get(), nullptr, BAD_CAST "metadata", nullptr);
  xmlDocSetRootElement(doc.get(), holder);
  AddOverlay(holder, spec, false);
  return Dump(doc, holder->children);
}

std::string WithNetworkUuid(std::string_view xml, const std::string& uuid) {
  XmlDoc doc = XmlDoc::Parse(xml, "network XML");
  xmlNode* network = const_cast<xmlNode*>(doc.root());
  if (!IsElement(network, "network")) throw Error("root element", NodeName(network), "must be <network>");
  xmlNode* existing = const_cast<xmlNode*>(FirstChild(network, "uuid"));
  if (existing) {
    xmlNodeSetContent(existing, nullptr);
    xmlNodeAddContent(existing, BAD_CAST uuid.c_str());
  } else {
    xmlNode* node = xmlNewDocNode(doc.get(), nullptr, BAD_CAST "uuid", nullptr);
    xmlNodeAddContent(node, BAD_CAST uuid.c_str());
    if (xmlNode* name = const_cast<xmlNode*>(FirstChild(network, "name")))
      xmlAddNextSibling(name, node);
    else
      xmlAddChild(network, node);
  }
  return Dump(doc, network);
}

std::string FormatNetworkXml(const NetworkSpec& spec) {
  XmlDoc doc = XmlDoc::Empty();
  xmlNode* network = xmlNewDocNode(doc.get(), nullptr, BAD_CAST "network", nullptr);
  xmlDocSetRootElement(doc.get(), network);
  auto text_child = [&](xmlNode* parent, const char* name, const std::string& text) {
    // xmlNewTextChild escapes the text; xmlNewChild would not.
    return xmlNewTextChild(parent, nullptr, BAD_CAST name, BAD_CAST text.c_str());
  };
  auto attr = SetAttribute;

  text_child(network, "name", spec.name);
  if (spec.uuid) text_child(network, "uuid", *spec.uuid);

  AddOverlay(xmlNewChild(network, nullptr, BAD_CAST "metadata", nullptr), spec, true);

  attr(xmlNewChild(network, nullptr, BAD_CAST "forward", nullptr), "mode", "bridge");
  attr(xmlNewChild(network, nullptr, BAD_CAST "bridge", nullptr), "name", spec.bridge);
  attr(xmlNewChild(network, nullptr, BAD_CAST "virtualport", nullptr), "type", "openvswitch");
  return Dump(doc, network);
}

}  // namespace vxnet
