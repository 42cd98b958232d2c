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

}  // namespace vxnet::net
