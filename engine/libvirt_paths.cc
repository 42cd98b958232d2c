#include "engine/libvirt_paths.h"

namespace vxnet::engine {

namespace {

std::optional<std::string> In(const std::string& dir, std::string_view name) {
  if (name.empty() || name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) return std::nullopt;
  return dir + "/" + std::string(name) + ".xml";
}

}  // namespace

std::optional<std::string> DefinedNetworkFile(const Config& config, std::string_view network) {
  return In(config.libvirt_config_dir + "/qemu/networks", network);
}

std::optional<std::string> ActiveNetworkFile(const Config& config, std::string_view network) {
  return In(config.libvirt_state_dir + "/network", network);
}

std::optional<std::string> DefinedDomainFile(const Config& config, std::string_view domain) {
  return In(config.libvirt_config_dir + "/qemu", domain);
}

std::optional<std::string> RunningDomainFile(const Config& config, std::string_view domain) {
  return In(config.libvirt_state_dir + "/qemu", domain);
}

}  // namespace vxnet::engine
