#pragma once
// The engine that makes a host hold a vxnet network, shared by the hook
// (libvirt's calls) and vxnetctl (the operator's). This is the generic
// layer: it is the only caller of an overlay's operations (engine/overlay.h:
// full mesh or OVN, chosen once from the spec) and holds what both modes
// share, written once: the bridge-name check, the choice of the overlay MTU
// and its refusals, the guest MTU policy, undo of a failed start, and the
// run record of what start decided.
//
// Every function returns an Outcome (or plain data) and never throws. All
// or nothing: what a failed start made is removed again, and only that
// (libvirt 9.0 sends no 'stopped' after a failed start).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "engine/config.h"
#include "engine/health.h"
#include "engine/outcome.h"
#include "engine/run_record.h"
#include "net/host_network.h"
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

// This host's kernel networking, for vxnetctl (the hook makes its own).
// Throws Error when no netlink socket can be opened.
std::unique_ptr<net::HostNetwork> OpenHost();

// 'start': validates against the host (a kernel device of the bridge's
// name that is not Open vSwitch's is refused before anything changes; the
// overlay MTU from the underlay), applies, records the overlay MTU.
Outcome StartNetwork(const NetworkSpec& spec, Context& ctx);

// 'updated' of an active network, and vxnetctl reconcile: the same apply as
// start, at the overlay MTU recorded at start (guest taps keep theirs for
// their life). Refuses when the network's MTU would have to change: that
// needs a restart. Nothing is undone on failure: the network keeps running.
Outcome UpdateNetwork(const NetworkSpec& spec, Context& ctx);

// 'started': the overlay holds the declared state, the bridge exists as a
// kernel netdev at the recorded overlay MTU. A refusal undoes start.
Outcome VerifyStarted(const NetworkSpec& spec, Context& ctx);

// What to remove for a network: by name (vxnet's rows carry it), plus what
// the run record names. The mode decides which overlay removes it.
struct TeardownTarget {
  std::string network;
  std::string bridge;
  NetworkMode mode = NetworkMode::kMesh;
  std::optional<Cidr> address;             // only one vxnet added (the record's)
  std::optional<std::string> attach_veth;  // the OVS end; its peer goes with it
  std::optional<OvnRecord> ovn;            // an OVN-mode network: what it joined
  std::string ovn_nb;                      // OVN: the Northbound DB when no record names it
};
// From whatever is known: the record (what start made) first, then the
// spec, then libvirt's <bridge name>. An address is removed only when a
// record says vxnet put it there.
TeardownTarget TargetFor(const std::string& network, const std::string& bridge, const NetworkSpec* spec,
                         const std::optional<RunRecord>& record);

// 'stopped', vxnetctl prune: removes the network's tunnels and veth, its
// bridge when vxnet created it and nothing else remains, the address vxnet
// added and the run record. Idempotent. exit_status 1 when something could
// not be removed (the message says what).
Outcome StopNetwork(const TeardownTarget& target, Context& ctx);

// 'port-created': re-asserts the bridge MTU recorded at start (libvirt
// copies the bridge's MTU to the new tap), then the guest MTU policy, then
// the overlay's own part (OVN: the guest's logical port).
// `reconnect` (IsReconnect): a running guest's port seen again, no admission.
Outcome AdmitPort(const NetworkSpec& spec, const NetworkPort& port, bool reconnect, Context& ctx);

// Whether this port-created is libvirtd, restarted, reconnecting to a
// running guest: the domain's live status file already holds this very
// port (on `network`, with the port's uuid as portid). A new interface, or
// one moved onto the network by update-device, gets a new port id.
bool IsReconnect(const std::string& network, const NetworkPort& port, const Config& config);

// 'port-deleted': what the overlay keeps for the port (OVN: the guest's
// logical port, unless another chassis now has it, a live migration's
// source). `spec` may be null (unreadable metadata): the run record says
// the mode then.
Outcome ReleasePort(const std::string& network, const NetworkSpec* spec, const NetworkPort& port, Context& ctx);

// vxnetctl reconcile after OVS lost its database: plugs the running
// guests' taps back into the network's bridge, as libvirt would, and gives
// them what the overlay needs (OVN: logical ports). exit_status 1 when it
// cannot.
Outcome PlugGuests(const NetworkSpec& spec, const std::vector<GuestOnNetwork>& guests, Context& ctx);

// vxnetctl plan: what UpdateNetwork and PlugGuests would change, one line
// each, changing nothing. Throws Error.
std::vector<std::string> PlanNetwork(const NetworkSpec& spec, const std::vector<GuestOnNetwork>& guests, Context& ctx);

// Whether the network's overlay binds guest ports by libvirt's interfaceid
// (OVN mode), which must then stay the same across the guest's starts.
bool BindsPortsByInterfaceId(const NetworkSpec& spec);

// The overlay MTU a running network was started with: the record's, else
// (a network started by a vxnet without records) derived now. Throws Error.
std::optional<int> RecordedOverlayMtu(const NetworkSpec& spec, Context& ctx);

// ---- what vxnetctl shows and prunes -----------------------------------------

// A network as libvirt lists it, for status.
struct ListedNetwork {
  std::string name, bridge;
  bool active = false, autostart = false;
  // Set when the network is vxnet's and readable: the settings it runs
  // with (AppliedSpec). Otherwise `problem` says why not.
  std::optional<NetworkSpec> spec;
  std::string problem;
};

// vxnetctl status of `networks` (only vxnet's), given every running guest
// interface on them: one status each, plus one for each network whose
// rows vxnet left in OVS although libvirt does not run it (a start that
// timed out, a network undefined while running): WARNING, with the fix.
// Never throws; what cannot be read becomes a finding. Throws Error only
// when this host's OVSDB cannot be read at all.
std::vector<NetworkStatus> InspectHost(const std::vector<ListedNetwork>& networks,
                                       const std::vector<GuestOnNetwork>& guests, bool only_one, Context& ctx);

// What vxnetctl prune asks libvirt of a network that has vxnet state in
// OVS: whether it runs, and, when it is defined and readable, its spec.
struct LibvirtVerdict {
  enum class State { kActive, kInactive, kUnknown } state = State::kUnknown;
  std::optional<NetworkSpec> spec;
  std::string why;  // kUnknown: what libvirt said
};
struct PruneReport {
  Outcome outcome;    // changes, and the first failure
  int pruned = 0;     // networks whose leftovers were removed
  int unknown = 0;    // networks left alone because libvirt could not say
};
// Removes what vxnet owns in OVS for networks that libvirt says are not
// active. A network libvirt cannot answer for is left alone (an error is
// never "inactive"). `ask` is called once per network found in OVS;
// `libvirt_lists_networks` false (libvirt knows no network at all while
// OVS holds vxnet's) refuses the whole prune.
PruneReport PruneNetworks(const std::function<LibvirtVerdict(const std::string&)>& ask, bool libvirt_lists_networks,
                          Context& ctx);

// The networks vxnet has rows of in this host's OVSDB, each with the bridge
// its rows are on. Throws Error when OVSDB cannot be read.
std::map<std::string, std::string> NetworksInOvs(Context& ctx);

// ---- the settings a network runs with ---------------------------------------

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
