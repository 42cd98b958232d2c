#pragma once
// OVN mode's overlay (engine/overlay.h is the contract), and the names it
// gives what it makes.
//
// What runs where: OVN central (Northbound and Southbound DBs, ovn-northd)
// somewhere on the underlay; on each host ovn-controller (started by the
// host, not by vxnet) and the hook. The hook makes this host a chassis
// (Open_vSwitch external_ids), the network a Logical_Switch, each guest
// interface a Logical_Switch_Port named by libvirt's interfaceid, and the
// host's address a port of its own on the integration bridge (br-int).
// ovn-controller does the rest: tunnels to every other chassis, flows, and
// binding each port where its iface-id appears.
#include <string>

#include "engine/config.h"
#include "xml/network_spec.h"

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

}  // namespace vxnet::engine
