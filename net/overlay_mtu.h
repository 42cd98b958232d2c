#pragma once
// The overlay MTU: for each peer, the path MTU towards it minus VXLAN's
// overhead (50 bytes over IPv4, 70 over IPv6); the minimum over peers.
// Peers that are this host's own addresses are skipped, so one network XML
// serves every host of a cluster.
#include <optional>
#include <string>
#include <vector>

#include "net/host_network.h"
#include "xml/network_spec.h"

namespace vxnet::net {

// Outer Ethernet 14 + IP 20 + UDP 8 + VXLAN 8; IPv6's header is 40.
inline constexpr int kVxlanOverheadV4 = 50;
inline constexpr int kVxlanOverheadV6 = 70;

struct OverlayMtu {
  // What the bridge's internal interface (and so every guest tap) gets;
  // nullopt only when no peer is remote and no MTU is declared.
  std::optional<int> mtu;
  std::optional<int> path_limit;  // the minimum over reachable peers
  std::vector<IpAddress> own_addresses;  // this host's addresses
  std::vector<std::string> warnings;
};

// Throws Error when a declared MTU exceeds what the underlay carries, or a
// peer has no route and no MTU is declared.
OverlayMtu ComputeOverlayMtu(const NetworkSpec& spec, HostNetwork& host);
// The same with this host's addresses already read (host.LocalAddresses()).
OverlayMtu ComputeOverlayMtu(const NetworkSpec& spec, HostNetwork& host, std::vector<IpAddress> own_addresses);

// OVN mode: Geneve's header is 8 bytes more than VXLAN's plus OVN's 8-byte
// option (outer Ethernet 14 + IP 20 + UDP 8 + Geneve 8 + option 8 = 58;
// IPv6 78); VXLAN encap as above.
int EncapOverhead(Encap encap, bool ipv4);

// The overlay MTU of an OVN-mode network: for each tunnel endpoint (the
// other chassis' encap IPs, and the Southbound DB's address, which stands
// for the central's underlay when no other chassis is known yet), the path
// MTU minus the encap's overhead; the minimum. The same errors as above.
OverlayMtu ComputeOvnOverlayMtu(const NetworkSpec& spec, const std::vector<IpAddress>& endpoints, HostNetwork& host);

}  // namespace vxnet::net
