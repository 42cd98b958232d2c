#pragma once
// Make OVS hold exactly what a network declares: read → plan → ONE
// transaction → wait until ovs-vswitchd applied it and read its verdict.
// Conflicting concurrent changes make the transaction fail as a whole; it is
// then re-planned from a fresh read, a bounded number of times.
//
// Round trips (after connect): a run that changes something takes three:
// the scoped read (ReadScope), the transaction, and one transaction that
// the server holds until ovs-vswitchd applied the change and that reads the
// interfaces' verdicts in the same step (more only when ovs-vswitchd takes
// longer than five seconds, another client's change is applied first, or
// the bridge carries ports the read did not name: guest taps cost two).
// A run with nothing to change takes one. A plan that refuses on a
// scoped read, and a transaction OVSDB rejects, are done again on a read of
// whole tables, so every refusal is the one the whole state gives.
#include <string>
#include <vector>

#include "common/deadline.h"
#include "ovs/desired.h"
#include "ovs/ovsdb_client.h"
#include "ovs/plan.h"

namespace vxnet::ovs {

struct ReconcileReport {
  std::vector<std::string> changes;  // Plan::Describe() of what was committed
  int attempts = 0;                  // transactions tried
  // Where the time went, for the debug log: "read=0.4ms plan=0.1ms
  // build=0.1ms commit=2.0ms applied=3.1ms round_trips=3 received=2.1KiB".
  std::string timings;
  bool changed() const { return !changes.empty(); }
};

// What Reconcile, PlanOnly and VerifyNetwork read for `desired`: its own
// rows, its bridge whole, the attach port, and the foreign VXLAN interfaces
// with its VNI as key (all of them for VNI 0; none without tunnels).
ReadScope ScopeFor(const DesiredNetwork& desired);

// Throws Error with the precise reason when the state cannot be reached,
// ovs-vswitchd does not confirm in time, or OVS reports an interface error.
// `started`: its first read, already sent (StartRead of ScopeFor(desired)),
// whose answer it takes instead of asking again.
ReconcileReport Reconcile(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline,
                          const PendingRead* started = nullptr);

// The teardown rules of PlanTeardown, applied the same way. Idempotent.
ReconcileReport Teardown(OvsdbClient& client, const std::string& network, const std::string& bridge,
                         const Deadline& deadline);

// Sets only the bridge's internal interface MTU, waiting until applied.
ReconcileReport EnsureBridgeMtu(OvsdbClient& client, const std::string& network, const std::string& bridge, int mtu,
                                const Deadline& deadline);

// Plugs running guests' taps the bridge lacks back in, as libvirt does.
ReconcileReport EnsureGuestPorts(OvsdbClient& client, const std::string& network, const std::string& bridge,
                                 const std::vector<GuestPort>& guests, const Deadline& deadline);

// Checks, on a state read with ReadState, that OVS holds the network's
// bridge and tunnels with no interface error. Throws Error naming the first
// problem.
void VerifyNetwork(const DesiredNetwork& desired, const OvsState& state);
// The same on a state read with ScopeFor(desired); before refusing on a
// partial state it reads whole tables and checks again.
void VerifyNetwork(OvsdbClient& client, const DesiredNetwork& desired, const OvsState& state, const Deadline& deadline);

// Blocks until ovs-vswitchd has applied configuration `target` (cur_cfg
// reaches it), or throws Error when the deadline passes first. `seen` is
// the cur_cfg the caller last saw (the commit reads it): each transaction
// sent is held by the server until cur_cfg changes from it, so one round
// trip usually suffices. `reads` (select operations) run in the same
// transaction as the check that finds cur_cfg at `target`, so they see what
// ovs-vswitchd wrote with it; their results are returned.
Json AwaitApplied(OvsdbClient& client, std::int64_t target, std::int64_t seen, const Json& reads,
                  const Deadline& deadline);
// The same when cur_cfg is not known: reads it first.
void WaitApplied(OvsdbClient& client, std::int64_t target, const Deadline& deadline);

// Computes what Reconcile would do, without changing anything.
Plan PlanOnly(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline);

}  // namespace vxnet::ovs
