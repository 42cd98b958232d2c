#pragma once
// The network in OVN's Northbound DB: a Logical_Switch (named like the
// network unless the metadata says otherwise) and one Logical_Switch_Port
// per guest interface, named by libvirt's interfaceid (which libvirt writes
// as external_ids:iface-id of the tap, so ovn-controller binds it), plus
// one for the host's own address.
//
// Ownership (do no harm): vxnet's rows carry external_ids vxnet-network;
// a switch or port of the same name without it is someone else's and is
// never changed. Each host that runs the network marks the switch
// (external_ids "vxnet-chassis:SYSTEM-ID"); the last host to leave, when no
// port remains, deletes it.
//
// Live migration: a port is requested for the chassis it runs on
// (options:requested-chassis). The destination's port-created adds itself
// to the list with activation-strategy=rarp (its copy stays blocked until
// the guest announces itself there, so the chassis never fight); the
// source's port-deleted then takes itself off the list instead of deleting
// the port the destination uses.
//
// Plans are pure functions of a read (NbView): unit-tested on plain data.
// Each change is one transaction guarded by "wait" operations on what was
// read, re-planned when another host changed it meanwhile.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "ovs/ovs_state.h"
#include "ovs/ovsdb_client.h"

namespace vxnet::ovn {

inline constexpr const char* kSwitchMarkPrefix = "vxnet-chassis:";
inline constexpr const char* kDomainKey = "vxnet-domain";

struct LogicalSwitchPort {
  std::string uuid, name;
  std::vector<std::string> addresses;
  ovs::StringMap options, external_ids;
  std::optional<bool> up;
};

struct LogicalSwitch {
  std::string uuid, name;
  std::vector<std::string> ports;  // LSP uuids
  ovs::StringMap external_ids;
};

// One read of the Northbound DB, as far as an operation needs it.
struct NbView {
  std::vector<LogicalSwitch> switches;                 // every switch of the wanted name
  std::optional<LogicalSwitchPort> port;               // the port of the wanted name
  std::vector<LogicalSwitch> holding_port;             // switches whose ports include it
  std::vector<LogicalSwitchPort> switch_ports;         // every port of the (one) switch
};

// A port vxnet wants on the switch.
struct PortRequest {
  std::string name;                    // the interfaceid
  std::vector<std::string> addresses;  // "MAC" or "MAC IP"
  std::string domain;                  // for humans reading the NB
};

struct NbChange {
  ovs::Json ops = ovs::Json::array();
  std::vector<std::string> changes;  // one line each
  std::vector<std::string> notes;    // why something was left alone
  bool empty() const { return changes.empty(); }
};

// The chassis list of options:requested-chassis.
std::vector<std::string> RequestedChassis(const LogicalSwitchPort& port);
bool IsVxnets(const ovs::StringMap& external_ids);

// start/updated: the switch exists, is vxnet's and carries this chassis'
// mark; the host's own port when the network gives the host an address.
NbChange PlanJoin(const NbView& view, const std::string& sw, const std::string& network, const std::string& chassis,
                  const std::optional<PortRequest>& host_port);
// port-created: the guest's port exists on the switch, requested for this
// chassis (added to the list on a migration's destination).
NbChange PlanAdmit(const NbView& view, const std::string& sw, const std::string& network, const std::string& chassis,
                   const PortRequest& port);
// port-deleted: the port goes only when requested for this chassis alone;
// when another chassis is on the list, this one leaves the list.
NbChange PlanRelease(const NbView& view, const std::string& port, const std::string& chassis);
// stopped: every vxnet port of the switch released as above, this
// chassis' mark removed, the switch deleted when no mark and no port remain.
NbChange PlanLeave(const NbView& view, const std::string& sw, const std::string& chassis);

// Read, plan, one guarded transaction; re-planned on a conflict. Throws
// Error. `sw` and `port` may be empty when not needed.
NbView ReadNb(ovs::OvsdbClient& client, const std::string& sw, const std::string& port, bool with_switch_ports,
              const Deadline& deadline);
NbChange ApplyNb(ovs::OvsdbClient& client, const std::string& sw, const std::string& port, bool with_switch_ports,
                 const std::function<NbChange(const NbView&)>& plan, const Deadline& deadline);

}  // namespace vxnet::ovn
