#pragma once
// /etc/vxnet/vxnet.conf: "key = value" lines, '#' comments, blank lines.
// libvirt clears a hook's environment, so in production this file is the
// only way to configure the hook.
//
// Reading never fails. The hook runs for every network and guest on the
// host, and a typo in this file must not hurt what is not vxnet's: every
// good line is applied, every bad one keeps its default and is recorded.
// Those that make vxnet's own behaviour uncertain (a bad value, a line
// that is not "key = value", a near-certain misspelling of a known key:
// one edit away from it, a swap of two neighbouring letters counting as one,
// once case is ignored and '-' is read as '_') are `problems`: vxnet refuses
// to admit its own networks and guests while there are any, naming file,
// line and key. Any other key this version does not know (a setting of a
// newer vxnet, such as `ovn_ic`) is a `notice`: logged, and otherwise
// ignored, so a downgrade does not stop the overlay.
#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"
#include "xml/network_spec.h"

namespace vxnet::engine {

inline constexpr const char* kDefaultConfigPath = "/etc/vxnet/vxnet.conf";
inline constexpr std::size_t kMaxConfigBytes = 64 * 1024;

struct Config {
  std::string path = kDefaultConfigPath;  // where it was read from, for messages
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
  // vxnet's own runtime records (what each active network was started
  // with); per boot, like the networks themselves.
  std::string state_dir = "/run/vxnet";
  // OVN mode: the databases a network uses when its metadata names none,
  // so every host can share one network XML; and where this host's OVS
  // system-id is kept when vxnet has to create one (as ovs-ctl does).
  std::string ovn_nb, ovn_sb;
  std::string system_id_file = "/etc/openvswitch/system-id.conf";

  std::vector<Error> problems;       // refuse vxnet's admissions
  std::vector<std::string> notices;  // logged only

  // Throws the first problem, for operations that admit vxnet's own.
  void RequireClean() const;
};

// Never throws; see above.
Config ParseConfig(std::string_view text, const std::string& path);
// Reads `path`: a file that does not exist gives the defaults; one that
// cannot be read (or is too large) gives the defaults and a problem.
Config LoadConfig(const std::string& path);

// What the hook and vxnetctl run with: the file VXNET_CONFIG names (else
// kDefaultConfigPath), with VXNET_OVSDB overriding its endpoint. libvirt
// clears a hook's environment, so in production this is the file alone.
Config LoadConfigFromEnvironment();

}  // namespace vxnet::engine
