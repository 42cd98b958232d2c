#pragma once
// An in-memory host for unit tests: routes, addresses and links as data,
// and a count of every call, so "touched nothing" can be asserted.
#include <map>

#include "common/error.h"
#include "net/host_network.h"

namespace vxnet::test {

class FakeHost : public net::HostNetwork {
 public:
  std::map<std::string, int> path_mtu;  // peer -> MTU; absent: no route
  std::vector<IpAddress> local;
  std::map<std::string, net::LinkInfo> links;
  std::vector<std::string> addresses;  // "ifname cidr"
  int calls = 0;
  int veths_made = 0;

  std::optional<int> PathMtu(const IpAddress& peer) override {
    ++calls;
    auto it = path_mtu.find(peer.ToString());
    return it == path_mtu.end() ? std::nullopt : std::optional<int>(it->second);
  }
  std::vector<IpAddress> LocalAddresses() override {
    ++calls;
    return local;
  }
  std::optional<net::LinkInfo> Link(const std::string& name) override {
    ++calls;
    auto it = links.find(name);
    return it == links.end() ? std::nullopt : std::optional<net::LinkInfo>(it->second);
  }
  void EnsureAddress(const std::string& ifname, const Cidr& address) override {
    ++calls;
    if (!links.count(ifname)) throw Error("interface", ifname, "does not exist in the kernel");
    addresses.push_back(ifname + " " + address.ToString());
  }
  void RemoveAddress(const std::string& ifname, const Cidr& address) override {
    ++calls;
    std::erase(addresses, ifname + " " + address.ToString());
  }
  void EnsureVethToBridge(const std::string& ovs_end, const std::string& bridge_end, const std::string& bridge,
                          int mtu) override {
    ++calls;
    if (!links.count(bridge)) throw Error("interface", bridge, "does not exist in the kernel");
    ++veths_made;
    links[ovs_end] = {mtu, true, "veth", ""};
    links[bridge_end] = {mtu, true, "veth", bridge};
  }
  void DeleteLink(const std::string& name) override {
    ++calls;
    links.erase(name);
  }
};

}  // namespace vxnet::test
