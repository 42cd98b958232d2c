#pragma once
// What OVS must hold for one vxnet network, derived from its spec.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "ovs/ovs_state.h"
#include "xml/network_spec.h"

namespace vxnet::ovs {


struct DesiredTunnel {
  std::string name;  // Port and Interface share it
  IpAddress remote;
  std::uint32_t key = 0;
  std::uint16_t dst_port = 4789;
  std::optional<IpAddress> local_ip;
  bool bfd = false;

  StringMap Options() const;
  StringMap Bfd() const { return bfd ? StringMap{{"enable", "true"}} : StringMap{}; }
};

struct DesiredNetwork {
  std::string network;
  std::string bridge;
  std::string datapath_type;  // "system" or "netdev"
  std::optional<int> mtu;     // mtu_request of the bridge's internal interface
  std::vector<DesiredTunnel> tunnels;
  // The OVS end of the veth pair to an attached Linux bridge (a plain
  // system port), when the network attaches one.
  std::optional<std::string> attach_port;
};

// The spec must be valid (ValidateSpec). Peers in `own_addresses` are this
// host itself and get no tunnel, so one XML serves every host.
DesiredNetwork DesiredFromSpec(const NetworkSpec& spec, std::optional<int> mtu,
                               const std::vector<IpAddress>& own_addresses = {});

}  // namespace vxnet::ovs
