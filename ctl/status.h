#pragma once
// What `vxnetctl status` reports for one network, computed from plain data
// (the spec, an OVSDB state read, the host's links) so it is unit-tested
// without a host. Levels follow monitoring plugins: 0 OK, 1 WARNING,
// 2 CRITICAL (broken or drifted), 3 UNKNOWN.
#include <optional>
#include <string>
#include <vector>

#include "net/host_network.h"
#include "net/overlay_mtu.h"
#include "ovs/desired.h"
#include "ovs/ovs_state.h"

namespace vxnet::ctl {

enum Level { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

struct TunnelStatus {
  std::string name, peer, link_state, error;
  std::string bfd_state;  // "" when BFD is off
};
struct TapStatus {
  std::string name;
  int mtu = 0;
};

struct NetworkStatus {
  std::string network, bridge;
  std::string declared_mtu;          // "auto" or the number
  std::optional<int> overlay_mtu;    // derived (or declared) from the underlay
  std::optional<int> bridge_mtu;     // the kernel netdev's, nullopt: missing
  std::vector<TunnelStatus> tunnels;
  std::vector<TapStatus> taps;       // guest ports on the bridge
  std::vector<std::string> drift;    // what a reconcile would change
  std::vector<std::string> problems;  // each raises the level
  Level level = kOk;
};

NetworkStatus Inspect(const NetworkSpec& spec, const net::OverlayMtu& overlay, const ovs::OvsState& state,
                      net::HostNetwork& host);

std::string FormatText(const NetworkStatus& status);
std::string FormatJson(const std::vector<NetworkStatus>& statuses);

}  // namespace vxnet::ctl
