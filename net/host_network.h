#pragma once
// The host kernel's networking as vxnet needs it, behind an interface so
// that the MTU rules and hook operations are unit-tested with a fake while
// integration tests run the netlink implementation in a private namespace.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.h"

namespace vxnet::net {

struct LinkInfo {
  int mtu = 0;
  bool up = false;
  std::string kind;  // "bridge", "veth", … ("" for a plain device)
  std::string master;  // the bridge it is enslaved to, if any
};

class HostNetwork {
 public:
  virtual ~HostNetwork() = default;

  // The path MTU towards `peer` as the routing table has it: the route's
  // MTU metric, else the egress device's MTU. nullopt: no route.
  virtual std::optional<int> PathMtu(const IpAddress& peer) = 0;
  // PathMtu of each peer, in order (the netlink implementation asks in
  // batches).
  virtual std::vector<std::optional<int>> PathMtus(const std::vector<IpAddress>& peers);
  // Every address configured on this host (any interface).
  virtual std::vector<IpAddress> LocalAddresses() = 0;
  // nullopt when no such netdev exists.
  virtual std::optional<LinkInfo> Link(const std::string& name) = 0;
  // Adds `address` to `ifname` if absent and sets the link up. Idempotent.
  virtual void EnsureAddress(const std::string& ifname, const Cidr& address) = 0;
  // Removes `address` from `ifname` if present. Idempotent.
  virtual void RemoveAddress(const std::string& ifname, const Cidr& address) = 0;
  // A veth pair (created if absent) with both ends at `mtu` (0: leave it)
  // and up, `bridge_end` enslaved to the Linux bridge `bridge`. Idempotent.
  virtual void EnsureVethToBridge(const std::string& ovs_end, const std::string& bridge_end, const std::string& bridge,
                                  int mtu) = 0;
  // Deletes the link if it exists (a veth takes its peer with it).
  virtual void DeleteLink(const std::string& name) = 0;
  // The source address the routing table picks towards `peer` (no packet
  // is sent); nullopt: no route. OVN mode's default encap IP.
  virtual std::optional<IpAddress> SourceAddress(const IpAddress& peer);
};

// The real host, through rtnetlink. Throws Error when no
// netlink socket can be opened.
std::unique_ptr<HostNetwork> MakeNetlinkHostNetwork();

}  // namespace vxnet::net
