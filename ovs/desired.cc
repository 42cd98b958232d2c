#include "ovs/desired.h"

#include <algorithm>

namespace vxnet::ovs {

StringMap DesiredTunnel::Options() const {
  StringMap options{{"remote_ip", remote.ToString()}, {"key", std::to_string(key)}};
  if (dst_port != kDefaultDstPort) options["dst_port"] = std::to_string(dst_port);
  if (local_ip) options["local_ip"] = local_ip->ToString();
  return options;
}

DesiredNetwork DesiredFromSpec(const NetworkSpec& spec, std::optional<int> mtu,
                               const std::vector<IpAddress>& own_addresses) {
  DesiredNetwork d{spec.name, spec.bridge, std::string(ToString(spec.datapath)), mtu, {}, std::nullopt};
  const auto key = static_cast<std::uint32_t>(spec.vni);
  const auto port = static_cast<std::uint16_t>(spec.dst_port);
  for (const IpAddress& peer : spec.peers) {
    if (std::find(own_addresses.begin(), own_addresses.end(), peer) != own_addresses.end()) continue;
    d.tunnels.push_back({TunnelName(peer, key, port, spec.local_ip), peer, key, port, spec.local_ip, spec.bfd});
  }
  if (spec.attach_bridge) d.attach_port = AttachVethNames(spec).ovs_end;
  return d;
}

}  // namespace vxnet::ovs
