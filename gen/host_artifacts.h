#pragma once
// Files a host needs beyond libvirt, from the same network description:
// NetworkManager keyfiles or network-scripts (ifcfg) for a bridge that
// exists at boot, and firewall rules that admit VXLAN only from the peers.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xml/network_spec.h"

namespace vxnet::gen {

enum class HostFormat { kNetworkManager, kIfcfg, kNftables, kFirewalld };
std::optional<HostFormat> ParseHostFormat(std::string_view text);

struct HostFile {
  std::string name;  // file name, no directory
  std::string content;
  unsigned mode = 0644;  // NetworkManager ignores keyfiles others can read
};

// The spec must be valid (ValidateSpec). Peers among own_addresses (this
// host's underlay addresses) get no tunnel and no firewall rule, as the hook
// skips them, so one network description serves every host.
std::vector<HostFile> HostArtifacts(const NetworkSpec& spec, HostFormat format,
                                    const std::vector<IpAddress>& own_addresses = {});

}  // namespace vxnet::gen
