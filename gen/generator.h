#pragma once
// What vxnet-gen produces, as plain functions of their inputs so that tests
// call them without a process; main.cc only maps flags onto them.
#include <string>
#include <string_view>

#include "common/uuid.h"
#include "xml/network_spec.h"

namespace vxnet::gen {

// Validates the spec with vxnet's rules and returns its network XML.
// Throws the first Error found.
std::string GenerateNetwork(const NetworkSpec& spec);

// The domain <interface> snippet for a guest on `network` with MTU `mtu`,
// filled from template_dir/interface.xml, or from the template built into
// the program when template_dir is empty.
std::string GenerateInterface(std::string_view network, long long mtu,
                              const std::string& template_dir);

// A random RFC 4122 version-4 UUID, for --uuid: the one in common/.
using vxnet::RandomUuid;

// --uuid-from SOURCE: the <uuid> of the network XML file SOURCE, or, when
// no such file exists, of the libvirt network named SOURCE on `uri`. So a
// regenerated definition redefines the same network. Throws Error.
std::string UuidFrom(const std::string& source, const std::string& uri = "qemu:///system");

// vxnet-gen check: exit status and the one line to print.
struct CheckResult {
  enum Status { kValid = 0, kInvalid = 1, kUsage = 2, kNotManaged = 3 };
  Status status = kValid;
  std::string line;
};
CheckResult CheckNetwork(std::string_view xml, const std::string& schema_path,
                         bool use_libvirt);

// Where templates come from: VXNET_TEMPLATE_DIR when set; else the
// installed directory when it holds them (an installed copy overrides);
// else "" for the built-in templates (a build tree, a moved install).
std::string DefaultTemplateDir();

}  // namespace vxnet::gen
