#include "hook/config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "ovs/endpoint.h"

namespace vxnet::hook {

namespace {

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

Config ParseConfig(std::string_view text, const std::string& path) {
  Config config;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = "config file " + path + " line " + std::to_string(number);
    const auto hash = line.find('#');
    const std::string content = Trim(hash == std::string::npos ? line : line.substr(0, hash));
    if (content.empty()) continue;
    const auto eq = content.find('=');
    if (eq == std::string::npos) throw Error(where, content, "is not 'key = value'");
    const std::string key = Trim(content.substr(0, eq)), value = Trim(content.substr(eq + 1));
    if (key == "ovsdb") {
      try {
        ovs::Endpoint::Parse(value);
      } catch (const Error& e) {
        throw Error(where, value, "OVSDB endpoint " + e.limit());
      }
      config.ovsdb = value;
    } else if (key == "timeout") {
      std::uint64_t seconds = 0;
      try {
        seconds = ParseDecimal("timeout", value);
      } catch (const Error&) {
        seconds = 0;
      }
      if (seconds < 1 || seconds > 600) throw Error(where, value, "timeout must be 1 to 600 seconds");
      config.timeout = std::chrono::seconds(seconds);
    } else if (key == "log_level") {
      if (value != "trace" && value != "debug" && value != "info" && value != "warn" && value != "error" && value != "off")
        throw Error(where, value, "log_level must be trace, debug, info, warn, error or off");
      config.log_level = value;
    } else if (key == "log_file") {
      if (value.empty() || value[0] != '/') throw Error(where, value, "log_file must be an absolute path");
      config.log_file = value;
    } else if (key == "guest_mtu_policy") {
      auto p = ParseGuestMtuPolicy(value);
      if (!p) throw Error(where, value, "guest_mtu_policy must be warn or strict");
      config.guest_mtu_policy = *p;
    } else if (key == "libvirt_state_dir" || key == "libvirt_config_dir") {
      if (value.empty() || value[0] != '/') throw Error(where, value, key + " must be an absolute path");
      (key == "libvirt_state_dir" ? config.libvirt_state_dir : config.libvirt_config_dir) = value;
    } else {
      throw Error(where, key,
                  "is not a known key (ovsdb, timeout, log_level, log_file, guest_mtu_policy, libvirt_state_dir, "
                  "libvirt_config_dir)");
    }
  }
  return config;
}

Config LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Config{};
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace vxnet::hook

namespace vxnet::hook {

Config LoadConfigFromEnvironment() {
  const char* path = std::getenv("VXNET_CONFIG");
  Config config = LoadConfig(path && *path ? path : kDefaultConfigPath);
  if (const char* ovsdb = std::getenv("VXNET_OVSDB"); ovsdb && *ovsdb) config.ovsdb = ovsdb;
  return config;
}

}  // namespace vxnet::hook
