#pragma once
// The outer two of vxnet's three validation layers (the third, vxnet's own
// rules, is ValidateNetwork in network_xml.h):
//   1. libvirt's RelaxNG schema (network.rng), through libxml2;
//   2. libvirt's own parser, through the libvirt API on test:///default,
//      which enforces rules the schema cannot (no <mtu> in bridge mode).
// Layer 2 links libvirt, so it lives in its own library that only the
// generator uses: the hook must stay light and never load libvirt.
#include <optional>
#include <string>
#include <string_view>

namespace vxnet {

struct LayerResult {
  enum class Status { kValid, kInvalid, kUnavailable };
  Status status = Status::kValid;
  std::string message;  // one line; empty when valid

  bool valid() const { return status == Status::kValid; }
};

// Layer 1. kUnavailable when the schema file cannot be loaded.
LayerResult ValidateAgainstSchema(std::string_view xml, const std::string& rng_path);

// Layer 2. Defines the network on a private test:///default connection,
// reads it back and checks that vxnet's metadata survived unchanged.
LayerResult ValidateWithLibvirt(std::string_view xml);

// The UUID of the libvirt network `name` on `uri` (read-only connection);
// nullopt when there is no such network. Throws Error when libvirt cannot
// be reached.
std::optional<std::string> LibvirtNetworkUuid(const std::string& name, const std::string& uri);

}  // namespace vxnet
