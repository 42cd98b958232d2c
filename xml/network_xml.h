#pragma once
// Parse and format libvirt network XML, the home of a vxnet network.
//
// A network is managed by vxnet exactly when its <metadata> holds an
// element in vxnet's namespace:
//
//   <metadata>
//     <vxnet:overlay xmlns:vxnet="https://vxnet.org/xmlns/network/1"
//                    vni="100" dst-port="4789" datapath="system" mtu="auto"
//                    local-ip="198.18.0.1" address="10.100.0.1/16"
//                    attach-bridge="docker0" guest-mtu-policy="warn" bfd="true">
//       <vxnet:peer address="198.18.0.2"/>
//     </vxnet:overlay>
//   </metadata>
//
// or, for a network in OVN mode (no peers: OVN finds the chassis):
//
//     <vxnet:overlay mode="ovn" ovn-nb="tcp:198.18.0.100:6641"
//                    ovn-sb="tcp:198.18.0.100:6642" encap="geneve"
//                    switch="vxnet0" datapath="netdev" address="10.100.0.1/16"/>
//
// The URI is fixed forever (docs/xml-format.md); prefixes are not, so
// parsing goes by namespace URI only.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/tree.h>

#include "xml/network_spec.h"

namespace vxnet {

inline constexpr const char* kVxnetNamespace = "https://vxnet.org/xmlns/network/1";

// What a libvirt network XML says, as far as vxnet cares.
struct LibvirtNetwork {
  std::string name;
  std::string uuid;
  // "none" when there is no <forward>, "nat" for <forward> without mode
  // (libvirt's default), otherwise the mode attribute as written.
  std::string forward_mode = "none";
  std::string bridge;
  std::string virtualport_type;
  bool has_libvirt_mtu = false;  // <mtu size=…/>, which bridge mode forbids
  // Set when the vxnet metadata was read; it is present but unreadable
  // (a bad number, an attribute of a newer vxnet) when metadata_error is.
  std::optional<NetworkSpec> spec;
  std::optional<Error> metadata_error;

  // The network carries vxnet's namespace in its <metadata>: it is vxnet's,
  // whether or not this version can read what it says.
  bool managed() const { return spec.has_value() || metadata_error.has_value(); }
};

// Throws Error for malformed XML or a root that is not <network>. vxnet
// metadata that cannot be read (bad number, bad address, unknown attribute)
// does not throw: it makes a managed network with metadata_error set, so a
// caller still knows the network is vxnet's. Range and consistency rules
// are ValidateNetwork's job; it reports metadata_error first.
LibvirtNetwork ParseNetworkXml(std::string_view xml);
// The same, from an already parsed <network> element (e.g. in <hookData>).
LibvirtNetwork ParseNetworkElement(const xmlNode* network);

// Why vxnet leaves this network alone, in one line.
std::string UnmanagedReason(const LibvirtNetwork& net);

// For a managed network: metadata_error, libvirt structure vxnet needs
// (bridge forward mode, openvswitch virtualport, a bridge name) plus
// ValidateSpec().
std::vector<Error> ValidateNetwork(const LibvirtNetwork& net);

// The libvirt network XML for a spec. ParseNetworkXml(FormatNetworkXml(s))
// gives back s.
std::string FormatNetworkXml(const NetworkSpec& spec);

// The same network document with its <uuid> set to `uuid` (added after
// <name> when absent); everything else is kept as it was. Throws Error.
std::string WithNetworkUuid(std::string_view xml, const std::string& uuid);

// vxnet's metadata element of a spec without namespace prefixes, as
// virNetworkSetMetadata takes it (libvirt adds the namespace).
std::string FormatOverlayElement(const NetworkSpec& spec);

}  // namespace vxnet
