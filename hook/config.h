#pragma once
// /etc/vxnet/vxnet.conf: "key = value" lines, '#' comments, blank lines.
// A missing file means defaults; an unknown key or bad value is an Error
// naming the file and line. libvirt clears a hook's environment, so in
// production this file is the only way to configure the hook.
#include <chrono>
#include <string>

#include "xml/network_spec.h"

namespace vxnet::hook {

inline constexpr const char* kDefaultConfigPath = "/etc/vxnet/vxnet.conf";

struct Config {
  std::string ovsdb = "unix:/run/openvswitch/db.sock";
  std::chrono::milliseconds timeout{10000};  // the whole hook run
  std::string log_level = "info";
  std::string log_file = "/var/log/vxnet/vxnet.log";
  GuestMtuPolicy guest_mtu_policy = GuestMtuPolicy::kWarn;
  // Where libvirt keeps live state (network and domain status files) and
  // definitions; read, never written, and never through libvirt's API (a
  // hook that calls back into libvirt deadlocks).
  std::string libvirt_state_dir = "/run/libvirt";
  std::string libvirt_config_dir = "/etc/libvirt";
};

Config ParseConfig(std::string_view text, const std::string& path);
// Reads `path`; a file that does not exist gives the defaults.
Config LoadConfig(const std::string& path);

// What the hook and vxnetctl run with: the file VXNET_CONFIG names (else
// kDefaultConfigPath), with VXNET_OVSDB overriding its endpoint. libvirt
// clears a hook's environment, so in production this is the file alone.
Config LoadConfigFromEnvironment();

}  // namespace vxnet::hook
