#pragma once
// The network operations of OVN mode, reached from network_engine's entry
// points when a network's metadata says mode="ovn". Same contract: every
// function returns an Outcome and never throws; a failed start removes
// what it made.
//
// What runs where: OVN central (Northbound and Southbound DBs, ovn-northd)
// somewhere on the underlay; on each host ovn-controller (started by the
// host, not by vxnet) and the hook. The hook makes this host a chassis
// (Open_vSwitch external_ids), the network a Logical_Switch, each guest
// interface a Logical_Switch_Port named by libvirt's interfaceid, and the
// host's address a port of its own on the integration bridge (br-int).
// ovn-controller does the rest: tunnels to every other chassis, flows, and
// binding each port where its iface-id appears.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/network_engine.h"
#include "ovn/northbound.h"
#include "ovn/southbound.h"

namespace vxnet::engine {

// The databases a network uses: its metadata's, else vxnet.conf's.
struct OvnRemotes {
  std::string nb, sb;
};
// Throws Error naming what is missing and where to set it.
OvnRemotes ResolveOvnRemotes(const NetworkSpec& spec, const Config& config);

// Names of what a network makes for the host's own address: the internal
// port on the integration bridge (15 characters), its logical port and MAC.
struct OvnHostPort {
  std::string port, lsp, mac;
};
OvnHostPort HostPortNames(const std::string& network, const std::string& logical_switch, const std::string& chassis);

Outcome StartOvnNetwork(const NetworkSpec& spec, Context& ctx);
Outcome UpdateOvnNetwork(const NetworkSpec& spec, Context& ctx);
Outcome VerifyOvnStarted(const NetworkSpec& spec, Context& ctx);
Outcome StopOvnNetwork(const TeardownTarget& target, Context& ctx);
// After the guest MTU checks passed: the guest's logical port.
Outcome AdmitOvnPort(const NetworkSpec& spec, const NetworkPort& port, Context& ctx);
// port-deleted: the guest's logical port, unless another chassis has it.
Outcome ReleaseOvnPort(const std::string& network, const NetworkSpec* spec, const NetworkPort& port, Context& ctx);
// vxnetctl reconcile: the running guests' logical ports exist.
Outcome EnsureOvnGuests(const NetworkSpec& spec, const std::vector<ovs::GuestPort>& guests, Context& ctx);
// vxnetctl plan: what UpdateOvnNetwork and EnsureOvnGuests would change,
// one line each, changing nothing. Throws Error.
std::vector<std::string> PlanOvnNetwork(const NetworkSpec& spec, const std::vector<ovs::GuestPort>& guests, Context& ctx);
// The overlay MTU as derived now (no record). Throws Error.
std::optional<int> DeriveOvnMtu(const NetworkSpec& spec, Context& ctx, std::vector<std::string>* warnings = nullptr);

// What vxnetctl status shows of an OVN-mode network.
struct OvnObservation {
  std::string chassis;  // this host's system-id
  OvnRemotes remotes;
  bool registered = false;
  std::vector<ovn::EncapInfo> encaps;  // this chassis'
  int other_chassis = 0;
  bool switch_found = false, switch_vxnets = false;
  std::map<std::string, ovn::LogicalSwitchPort> ports;  // the asked-for ports that exist, by name
  std::map<std::string, ovn::BindingInfo> bindings;
  std::vector<std::string> errors;  // what could not be read
};
OvnObservation ObserveOvn(const NetworkSpec& spec, const std::vector<std::string>& ports, Context& ctx);

}  // namespace vxnet::engine
