#pragma once
// What the Southbound DB says about this host: whether ovn-controller has
// registered it as a chassis (and with which tunnel endpoints), where the
// other chassis' tunnels end (for the overlay MTU), and where each port is
// bound. Read only: the Southbound DB is ovn-northd's and ovn-controller's.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "common/ip_address.h"
#include "ovs/ovsdb_client.h"

namespace vxnet::ovn {

struct EncapInfo {
  std::string type, ip, chassis;
};

struct ChassisInfo {
  std::string name, hostname;
  std::vector<EncapInfo> encaps;
};

struct BindingInfo {
  std::string chassis;                  // name of the chassis it is bound to; "" unbound
  std::vector<std::string> additional;  // during a live migration
  bool up = false;
};

// Holds (OVSDB's own wait) until chassis `name` is registered; false when
// the deadline passed first.
bool WaitForChassis(ovs::OvsdbClient& client, const std::string& name, const Deadline& deadline);

// Every chassis with its encaps, in one read.
std::vector<ChassisInfo> ReadChassis(ovs::OvsdbClient& client, const Deadline& deadline);

// The tunnel endpoints of every chassis but `self`.
std::vector<IpAddress> OtherEncapIps(const std::vector<ChassisInfo>& all, const std::string& self);

// Bindings of the named logical ports (absent: no Port_Binding yet).
std::map<std::string, BindingInfo> ReadBindings(ovs::OvsdbClient& client, const std::vector<std::string>& ports,
                                                const Deadline& deadline);

}  // namespace vxnet::ovn
