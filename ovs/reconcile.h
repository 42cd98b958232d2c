#pragma once
// Make OVS hold exactly what a network declares: read → plan → ONE
// transaction → wait until ovs-vswitchd applied it → read back and verify.
// Conflicting concurrent changes make the transaction fail as a whole; it is
// then re-planned from a fresh read, a bounded number of times.
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
  bool changed() const { return !changes.empty(); }
};

// Throws Error with the precise reason when the state cannot be reached,
// ovs-vswitchd does not confirm in time, or OVS reports an interface error.
ReconcileReport Reconcile(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline);

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

// Blocks until ovs-vswitchd has applied configuration `target` (cur_cfg
// reaches it), or throws Error when the deadline passes first.
void WaitApplied(OvsdbClient& client, std::int64_t target, const Deadline& deadline);

// Computes what Reconcile would do, without changing anything.
Plan PlanOnly(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline);

}  // namespace vxnet::ovs
