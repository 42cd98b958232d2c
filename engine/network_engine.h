#pragma once
// The engine that makes a host hold a vxnet network, shared by the hook
// (libvirt's calls) and vxnetctl (the operator's): OVS through one OVSDB
// transaction, the host's overlay address, the veth to an attached Linux
// bridge, and the run record of what start decided.
//
// Every function returns an Outcome and never throws. All or nothing:
// what a failed start made is removed again (libvirt 9.0 sends no
// 'stopped' after a failed start).
#include <optional>
#include <string>

#include "common/deadline.h"
#include "engine/config.h"
#include "engine/outcome.h"
#include "engine/run_record.h"
#include "net/host_network.h"
#include "ovs/ovsdb_client.h"
#include "ovs/plan.h"
#include "xml/hook_data.h"
#include "xml/network_spec.h"

namespace vxnet::engine {

struct Context {
  const Config& config;
  net::HostNetwork& host;
  // For the operation; undo_deadline is the run's end, later by a reserve,
  // so undoing a start that ran out of time still has time of its own and
  // the whole run stays within the configured timeout.
  Deadline deadline;
  Deadline undo_deadline;

  // Both deadlines from one run deadline: the operation gets all but a
  // quarter of it (at most 2 s), which is kept for undo.
  static Context ForRun(const Config& config, net::HostNetwork& host, const Deadline& run);
};

// A client of this host's OVSDB (config.ovsdb), for both modes.
ovs::OvsdbClient ConnectOvsdb(const Config& config, const Deadline& deadline);

// 'start': validates against the host (overlay MTU from the underlay, the
// attached Linux bridge), applies, records the overlay MTU.
Outcome StartNetwork(const NetworkSpec& spec, Context& ctx);

// 'updated' of an active network, and vxnetctl reconcile: the same apply as
// start, at the overlay MTU recorded at start (guest taps keep theirs for
// their life). Refuses when the network's MTU would have to change: that
// needs a restart. Nothing is undone on failure: the network keeps running.
Outcome UpdateNetwork(const NetworkSpec& spec, Context& ctx);

// 'started': OVS holds the declared state, the bridge exists as a kernel
// netdev at the recorded overlay MTU. A refusal undoes start.
Outcome VerifyStarted(const NetworkSpec& spec, Context& ctx);

// What to remove for a network: by name (vxnet's rows carry it), plus what
// the spec or the run record names.
struct TeardownTarget {
  std::string network;
  std::string bridge;
  std::optional<Cidr> address;
  std::optional<std::string> attach_veth;  // the OVS end; its peer goes with it
  std::optional<OvnRecord> ovn;            // an OVN-mode network: what it joined
};
// From whatever is known: the record (what start made) first, then the
// spec, then libvirt's <bridge name>.
TeardownTarget TargetFor(const std::string& network, const std::string& bridge, const NetworkSpec* spec,
                         const std::optional<RunRecord>& record);

// 'stopped', vxnetctl prune: removes the network's tunnels and veth, its
// bridge when vxnet created it and nothing else remains, the address and
// the run record. Idempotent. exit_status 1 when something could not be
// removed (the message says what).
Outcome StopNetwork(const TeardownTarget& target, Context& ctx);

// 'port-created': re-asserts the bridge MTU recorded at start (libvirt
// copies the bridge's MTU to the new tap), then the guest MTU policy.
// `reconnect` (IsReconnect): a running guest's port seen again, no admission.
Outcome AdmitPort(const NetworkSpec& spec, const NetworkPort& port, bool reconnect, Context& ctx);

// Whether this port-created is libvirtd, restarted, reconnecting to a
// running guest: the domain's live status file already holds this very
// port (on `network`, with the port's uuid as portid). A new interface, or
// one moved onto the network by update-device, gets a new port id.
bool IsReconnect(const std::string& network, const NetworkPort& port, const Config& config);

// 'port-deleted': in OVN mode the guest's logical port is removed, unless
// another chassis now has it (a live migration's source); in full-mesh
// mode there is nothing to do. `spec` may be null (unreadable metadata):
// the run record says the mode then.
Outcome ReleasePort(const std::string& network, const NetworkSpec* spec, const NetworkPort& port, Context& ctx);

// vxnetctl reconcile after OVS lost its database: plugs the running
// guests' taps (as libvirt's live domain XML names them) back into the
// network's bridge, as libvirt would. exit_status 1 when it cannot.
Outcome PlugGuests(const NetworkSpec& spec, const std::vector<ovs::GuestPort>& guests, Context& ctx);

// The overlay MTU a running network was started with: the record's, else
// (a network started by a vxnet without records) derived now. Throws Error.
std::optional<int> RecordedOverlayMtu(const NetworkSpec& spec, Context& ctx);

// A stable digest of a spec: what was applied, for status and records.
std::string SpecDigest(const NetworkSpec& spec);

// The settings a running network runs with. libvirt before 9.7 cannot
// change a running network's metadata, so after `vxnetctl apply` the live
// definition still holds the old settings and the persistent one the
// applied ones; the run record's digest tells which was applied, and that
// one holds until the network restarts. Without a record: the live one.
const NetworkSpec& AppliedSpec(const NetworkSpec& live, const NetworkSpec* persistent,
                               const std::optional<RunRecord>& record);

// The same, with the persistent definition read from libvirt's config
// directory (the hook may not ask libvirt itself).
NetworkSpec AppliedSpec(const NetworkSpec& live, const Config& config);

}  // namespace vxnet::engine
