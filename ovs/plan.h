#pragma once
// The difference between what OVS holds and what a network declares, as
// plain data, and the one transaction that applies it. Pure functions: no
// I/O, so every rule is unit-tested on hand-built states.
//
// Rules:
//  - vxnet changes only rows it owns (external_ids vxnet-network=NAME) plus
//    the MTU of the bridge's internal interface; libvirt's guest taps and an
//    operator's ports and bridges are never touched.
//  - A bridge vxnet did not create is used only when it carries nothing but
//    its internal port, guest taps and this network's own ports (the
//    NetworkManager-made bridge); any other port makes it someone else's
//    bridge, and the plan refuses naming that port. The one change vxnet
//    makes to such a bridge, its internal interface's mtu_request, is
//    recorded there (external_ids) and restored at teardown.
//  - Bridge.ports is changed by mutation (insert/delete), never rewritten,
//    so ports libvirt adds concurrently are never lost.
//  - Anything that cannot be fixed without touching what vxnet does not own
//    is refused with an Error saying what to change.
#include <optional>
#include <string>
#include <vector>

#include "ovs/desired.h"
#include "ovs/ovs_state.h"
#include "ovs/transaction.h"

namespace vxnet::ovs {

// A running guest's tap as libvirt plugs it into OVS (add-port with
// external_ids iface-id, attached-mac, vm-id, iface-status=active).
struct GuestPort {
  std::string tap, mac, interface_id, vm_uuid;
};

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
  // This network's bridges under an old name (the network's bridge was
  // renamed) that the change leaves empty, with their ports as read.
  struct OldBridge {
    std::string uuid, name;
    std::vector<std::string> observed_ports;
  };
  std::vector<OldBridge> delete_old_bridges;
  // A bridge vxnet did not create: its internal interface's mtu_request
  // before vxnet changed it ("none" when unset), recorded in that
  // interface's external_ids on the first change; and, at teardown, the
  // value to put back (nullopt inside: unset it).
  std::optional<std::string> save_mtu_request;
  std::optional<std::optional<int>> restore_mtu_request;
  // Guest taps to plug back in (after OVS lost its database).
  std::vector<GuestPort> plug_guests;
  // The bridge's ports column as read, for the optimistic-concurrency wait.
  std::vector<std::string> observed_bridge_ports;

  bool empty() const;
  // One line per change, for logs and the plan command.
  std::vector<std::string> Describe() const;
};

// external_ids keys on the internal interface of a bridge vxnet did not
// create, while a vxnet network has changed its mtu_request.
inline constexpr const char* kSavedMtuRequestKey = "vxnet-saved-mtu_request";
inline constexpr const char* kMtuBorrowerKey = "vxnet-mtu-borrower";

// Whether a port is a guest's tap as libvirt plugs it (external_ids
// attached-mac, vm-id or iface-id on its interface).
bool IsGuestTap(const PortRow& port, const OvsState& state);

// Throws Error on a conflict vxnet must not resolve by itself.
Plan PlanReconcile(const DesiredNetwork& desired, const OvsState& state);

// Removes the network's tunnels; the bridge too when vxnet created it for
// this network and nothing but its own port remains; on a bridge vxnet did
// not create, puts back the mtu_request this network recorded.
Plan PlanTeardown(const std::string& network, const std::string& bridge, const OvsState& state);

// Only the bridge's internal interface MTU (port-created must not touch
// tunnels). Throws Error when the bridge or its local port is missing.
Plan PlanBridgeMtu(const std::string& network, const std::string& bridge, int mtu, const OvsState& state);

// The running guests' taps that the bridge lacks, to plug in as libvirt
// does. Taps that are ports elsewhere are left alone. Throws Error when the
// bridge is missing.
Plan PlanGuestPorts(const std::string& network, const std::string& bridge, const std::vector<GuestPort>& guests,
                    const OvsState& state);

// The RFC 7047 operations applying `plan` atomically, ending with the
// next_cfg bump and a select of the new next_cfg and of cur_cfg (the last
// operation).
Transaction BuildTransaction(const Plan& plan, const DesiredNetwork& desired, const OvsState& state);

// Those last two operations alone: ovs-vswitchd reconfigures and confirms.
Json NextCfgOperations(const std::string& root_uuid);

}  // namespace vxnet::ovs
