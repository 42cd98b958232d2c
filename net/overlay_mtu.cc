#include "net/overlay_mtu.h"

#include <algorithm>
#include <utility>

#include "common/error.h"

namespace vxnet::net {

namespace {

// `overhead(v4)`: bytes the encapsulation adds; `encap` names it in messages.
template <typename Overhead>
OverlayMtu Compute(const NetworkSpec& spec, const std::vector<IpAddress>& peers, HostNetwork& host,
                   std::vector<IpAddress> own_addresses, Overhead overhead, const std::string& encap) {
  OverlayMtu result;
  result.own_addresses = std::move(own_addresses);
  const std::string network = "network '" + spec.name + "'";
  std::string limiting_peer;
  int limiting_underlay = 0;
  std::vector<IpAddress> remote;
  for (const IpAddress& peer : peers)
    if (std::find(result.own_addresses.begin(), result.own_addresses.end(), peer) == result.own_addresses.end())
      remote.push_back(peer);
  const std::vector<std::optional<int>> paths = host.PathMtus(remote);
  for (std::size_t i = 0; i < remote.size(); ++i) {
    const IpAddress& peer = remote[i];
    const std::optional<int>& path = paths.at(i);
    if (!path) {
      if (!spec.mtu)
        throw Error(network + " peer", peer.ToString(), "has no route from this host, so the overlay MTU cannot be derived",
                    "add a route to the peer, or declare mtu='N' on the vxnet:overlay element");
      result.warnings.push_back(network + ": peer " + peer.ToString() + " has no route from this host; using the declared MTU " +
                                std::to_string(*spec.mtu));
      continue;
    }
    const int overlay = *path - overhead(peer.is_v4());
    if (!result.path_limit || overlay < *result.path_limit) {
      result.path_limit = overlay;
      limiting_peer = peer.ToString();
      limiting_underlay = *path;
    }
  }
  if (result.path_limit && *result.path_limit < kMinMtu)
    throw Error(network + " underlay MTU towards " + limiting_peer, std::to_string(limiting_underlay),
                "leaves an overlay MTU below " + std::to_string(kMinMtu), "raise the underlay MTU");
  if (spec.mtu && result.path_limit && *spec.mtu > *result.path_limit)
    throw Error(network + " MTU", std::to_string(*spec.mtu),
                "exceeds the overlay MTU " + std::to_string(*result.path_limit) + " that the path to peer " + limiting_peer +
                    " carries (underlay MTU " + std::to_string(limiting_underlay) + " minus " +
                    std::to_string(overhead(IpAddress::Parse(limiting_peer)->is_v4())) + " bytes of " + encap +
                    " overhead)",
                "declare mtu='" + std::to_string(*result.path_limit) + "' or less, or raise the underlay MTU");
  result.mtu = spec.mtu ? spec.mtu : result.path_limit;
  return result;
}

}  // namespace

OverlayMtu ComputeOverlayMtu(const NetworkSpec& spec, HostNetwork& host) {
  return ComputeOverlayMtu(spec, host, host.LocalAddresses());
}

OverlayMtu ComputeOverlayMtu(const NetworkSpec& spec, HostNetwork& host, std::vector<IpAddress> own_addresses) {
  return Compute(spec, spec.peers, host, std::move(own_addresses),
                 [](bool v4) { return v4 ? kVxlanOverheadV4 : kVxlanOverheadV6; }, "VXLAN");
}

int EncapOverhead(Encap encap, bool ipv4) {
  if (encap == Encap::kVxlan) return ipv4 ? kVxlanOverheadV4 : kVxlanOverheadV6;
  return ipv4 ? 58 : 78;
}

OverlayMtu ComputeOvnOverlayMtu(const NetworkSpec& spec, const std::vector<IpAddress>& endpoints, HostNetwork& host) {
  return Compute(spec, endpoints, host, host.LocalAddresses(), [&](bool v4) { return EncapOverhead(spec.ovn.encap, v4); },
                 spec.ovn.encap == Encap::kVxlan ? "VXLAN" : "Geneve");
}

}  // namespace vxnet::net
