#pragma once
// OVN's databases as OVN's own tools name them: one or more OVSDB remotes,
// comma-separated ("tcp:10.0.0.1:6641,tcp:10.0.0.2:6641" for a cluster).
#include <string>
#include <vector>

#include "common/deadline.h"
#include "common/ip_address.h"
#include "ovs/ovsdb_client.h"

namespace vxnet::ovn {

inline constexpr const char* kNorthbound = "OVN_Northbound";
inline constexpr const char* kSouthbound = "OVN_Southbound";

// Connects to the first remote that answers; each gets an equal share of
// what is left of the deadline, so one black hole cannot eat all of it.
// Throws Error naming `what` ("OVN Northbound DB"), the remotes and the fix.
ovs::OvsdbClient ConnectAny(const std::string& what, const std::string& remotes, const Deadline& deadline);

// The IP addresses of the tcp: remotes (for the path MTU towards them and
// the encap IP's route).
std::vector<IpAddress> RemoteAddresses(const std::string& remotes);

// Transacts `ops` on `db`; throws Error naming the failing operation. A
// failed "wait" (someone changed what was read) returns false: re-plan.
bool TransactOrRetry(ovs::OvsdbClient& client, const std::string& db, const ovs::Json& ops, const Deadline& deadline,
                     ovs::Json* result = nullptr);

}  // namespace vxnet::ovn
