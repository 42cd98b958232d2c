#pragma once
// This host as an OVN chassis: the settings ovn-controller reads from the
// local Open_vSwitch row's external_ids (ovn-remote, ovn-encap-type,
// ovn-encap-ip, ovn-bridge-datapath-type, and system-id, the chassis
// name), and the host's own port on the integration bridge.
//
// Rules (do no harm): a setting that is absent is set, and recorded as
// vxnet's (external_ids vxnet-ovn-keys, vxnet-ovn-network); one already
// holding the wanted value is left as it is and stays the operator's; one
// holding another value is changed only when vxnet set it, for this
// network or for one no longer active here; otherwise the start is refused
// naming the key, both values and the fix. One host is one chassis of one
// Southbound DB. vxnet never removes these settings: the host stays a
// chassis (and its guests' ports keep working) when a network stops.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "ovs/ovs_state.h"
#include "ovs/ovsdb_client.h"

namespace vxnet::ovn {

inline constexpr const char* kOwnedKeysKey = "vxnet-ovn-keys";     // which keys vxnet set, comma-separated
inline constexpr const char* kOwnerNetworkKey = "vxnet-ovn-network";  // the network whose start set them

struct ChassisSettings {
  std::string remote;         // ovn-remote: the Southbound DB
  std::string encap_type;     // ovn-encap-type: geneve or vxlan
  std::string encap_ip;       // ovn-encap-ip; empty: keep any present value
  std::string datapath_type;  // ovn-bridge-datapath-type: system or netdev
  std::string bridge;         // ovn-bridge; set only when not br-int
};

struct ChassisPlan {
  std::string system_id;           // the chassis name
  ovs::StringMap set;              // keys to (re)write, with their values
  std::vector<std::string> owned;  // every key vxnet owns after the change
  bool empty() const { return set.empty(); }
  std::vector<std::string> Describe() const;
};

// Whether a vxnet network of that name is active on this host.
using ActiveFn = std::function<bool(const std::string& network)>;

// Pure: the change to make to `external_ids` (as read) for `network`.
// `new_system_id` is used when external_ids holds no system-id. Throws
// Error on a conflict (see above).
ChassisPlan PlanChassis(const ChassisSettings& want, const ovs::StringMap& external_ids, const std::string& network,
                        const std::string& new_system_id, const ActiveFn& active);

// This host's system-id when OVS has none: the one ovs-ctl keeps in
// `file`, else a new random one written there (never from DMI data, which
// cloned and emulated hosts share). Throws Error when it cannot be kept.
std::string PersistentSystemId(const std::string& file);

// Reads the Open_vSwitch row, plans, and applies in one transaction
// guarded by the external_ids read (re-planned when someone else wrote
// meanwhile). Returns the plan applied (empty when nothing changed).
ChassisPlan EnsureChassis(ovs::OvsdbClient& client, const ChassisSettings& want, const std::string& network,
                          const std::string& system_id_file, const ActiveFn& active, const Deadline& deadline);

// external_ids of the Open_vSwitch row (system-id, ovn-*), one select.
ovs::StringMap ReadChassisSettings(ovs::OvsdbClient& client, const Deadline& deadline);

// The host's own port on the integration bridge, bound to its own logical
// switch port: an internal interface named `port` (at most 15 characters)
// with iface-id `lsp`, MAC `mac` and mtu_request `mtu`, owner-tagged for
// `network`. Waits until ovs-vswitchd made the netdev. Idempotent.
// Returns the changes made.
std::vector<std::string> EnsureHostPort(ovs::OvsdbClient& client, const std::string& bridge, const std::string& port,
                                        const std::string& network, const std::string& lsp, const std::string& mac,
                                        std::optional<int> mtu, const Deadline& deadline);

// Holds until a bridge named `bridge` exists in the local OVSDB, of
// `datapath_type` unless that is "system" (which OVS also writes as ""):
// ovn-controller may have made br-int before it saw the datapath type the
// network asks for, and changes it once it does. OVSDB's own wait, no
// polling. False when the deadline passed first.
bool WaitForBridge(ovs::OvsdbClient& client, const std::string& bridge, const std::string& datapath_type,
                   const Deadline& deadline);

}  // namespace vxnet::ovn
