#pragma once
// The difference between what OVS holds and what a network declares, as
// plain data, and the one transaction that applies it. Pure functions: no
// I/O, so every rule is unit-tested on hand-built states.
//
// Rules:
//  - vxnet changes only rows it owns (external_ids vxnet-network=NAME) plus
//    the MTU of the bridge's internal interface; libvirt's guest taps and an
//    operator's ports and bridges are never touched.
//  - Bridge.ports is changed by mutation (insert/delete), never rewritten,
//    so ports libvirt adds concurrently are never lost.
//  - Anything that cannot be fixed without touching what vxnet does not own
//    is refused with an Error saying what to change.
#include <optional>
#include <string>
#include <vector>

#include "ovs/desired.h"
#include "ovs/ovs_state.h"

namespace vxnet::ovs {

struct Plan {
  std::string network;
  std::string bridge_name;
  std::string bridge_uuid;  // empty when the bridge is to be created
  bool create_bridge = false;
  bool add_local_port = false;  // an owned bridge that lost its local port
  std::optional<std::string> set_datapath;
  std::string local_interface_uuid;
  std::optional<int> set_mtu_request;
  std::vector<DesiredTunnel> add;
  std::optional<std::string> add_attach_port;  // the veth end to a Linux bridge
  struct Update {
    std::string port_uuid, interface_uuid;
    DesiredTunnel tunnel;
  };
  std::vector<Update> update;
  struct Removal {
    std::string bridge_uuid, port_uuid, name;
  };
  std::vector<Removal> remove;
  bool delete_bridge = false;
  // The bridge's ports column as read, for the optimistic-concurrency wait.
  std::vector<std::string> observed_bridge_ports;

  bool empty() const;
  // One line per change, for logs and the plan command.
  std::vector<std::string> Describe() const;
};

// Throws Error on a conflict vxnet must not resolve by itself.
Plan PlanReconcile(const DesiredNetwork& desired, const OvsState& state);

// Removes the network's tunnels; the bridge too when vxnet created it for
// this network and nothing but its own port remains.
Plan PlanTeardown(const std::string& network, const std::string& bridge, const OvsState& state);

// Only the bridge's internal interface MTU (port-created must not touch
// tunnels). Throws Error when the bridge or its local port is missing.
Plan PlanBridgeMtu(const std::string& network, const std::string& bridge, int mtu, const OvsState& state);

// The RFC 7047 operations applying `plan` atomically, ending with the
// next_cfg bump and a select of the new next_cfg (the last operation).
Json BuildTransaction(const Plan& plan, const DesiredNetwork& desired, const OvsState& state);

}  // namespace vxnet::ovs
