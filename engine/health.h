#pragma once
// What `vxnetctl status` reports for one network, as plain data: the
// engine judges (engine/overlay.h InspectState, network_engine.h
// InspectHost), vxnetctl only formats. Levels follow monitoring plugins:
// 0 OK, 1 WARNING, 2 CRITICAL (broken or drifted), 3 UNKNOWN.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vxnet::engine {

enum Level { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

struct TunnelStatus {
  std::string name, peer, link_state, error;
  std::string bfd_state;  // "" when BFD is off
};
struct TapStatus {
  std::string name;
  int mtu = 0;             // 0: no such kernel device
  std::string domain;      // "" when no running guest claims it
  bool plugged = true;     // a port of the network's bridge in OVS
  std::string mac;
  std::optional<long long> declared_mtu;  // the guest interface's <mtu>
};

// A running guest's interface on a network, as libvirt's live domain XML
// names it.
struct GuestOnNetwork {
  std::string network;
  std::string domain, domain_uuid;
  std::string tap, mac, interface_id;
  std::optional<long long> declared_mtu;  // <mtu size=…>, nullopt: none
};

// What else Inspect weighs, beyond OVS and the host.
struct InspectInputs {
  std::optional<int> recorded_mtu;  // what start decided (run record)
  std::vector<GuestOnNetwork> guests;     // running guests on this network
  std::vector<std::string> config_problems, config_notices;
};

struct NetworkStatus {
  std::string network, bridge;
  std::string declared_mtu;          // "auto" or the number
  std::optional<int> overlay_mtu;    // what the network runs at (decided at start)
  std::optional<int> underlay_mtu;   // what today's underlay would give
  std::optional<int> bridge_mtu;     // the kernel netdev's, nullopt: missing
  std::vector<TunnelStatus> tunnels;
  std::vector<TapStatus> taps;       // guest ports on the bridge
  std::vector<std::string> facts;    // mode-specific lines (OVN: chassis, switch, ports)
  std::vector<std::string> drift;    // what a reconcile would change
  std::vector<std::string> problems;  // each raises the level
  Level level = kOk;
  bool inspected = false;            // false: not looked at on the host (Broken, Inactive)

  void Raise(Level l, std::string problem) {
    problems.push_back(std::move(problem));
    if (l > level) level = l;
  }
};

// An active vxnet network that cannot be inspected: its definition
// unreadable by this vxnet. CRITICAL, with the why.
NetworkStatus Broken(const std::string& network, const std::string& bridge, const std::string& problem);

// A vxnet network libvirt does not run: nothing of it to inspect on the
// host, but a mark to autostart or running guests still attached to it
// say it should run (CRITICAL). nullopt when neither: stopped on purpose.
std::optional<NetworkStatus> Inactive(const std::string& network, const std::string& bridge, bool autostart,
                                      const std::vector<GuestOnNetwork>& guests);

// A network libvirt does not run whose rows vxnet left in OVS (a start
// that timed out, a network undefined while it ran): WARNING, with the fix.
NetworkStatus Leftover(const std::string& network, const std::string& bridge);

// Configuration problems reach every network: CRITICAL (the hook admits
// nothing while they last); notices are WARNING.
void AddConfigFindings(NetworkStatus& status, const std::vector<std::string>& problems,
                       const std::vector<std::string>& notices);

const char* LevelName(Level level);

}  // namespace vxnet::engine
