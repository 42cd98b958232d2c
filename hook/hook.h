#pragma once
// libvirt's hook entry points: argv + stdin in, an Outcome out. main.cc
// turns the Outcome into an exit status, the one stderr line libvirt shows
// the user, and a log line; nothing else here knows about processes.
//
// One program serves two roles, told apart by the path libvirt runs it as:
//   /etc/libvirt/hooks/network (or network.d/*):  NETWORK OP SUB-OP -
//   /etc/libvirt/hooks/qemu (or qemu.d/*):        DOMAIN OP SUB-OP EXTRA
#include <string>
#include <string_view>
#include <vector>

#include "hook/config.h"
#include "net/host_network.h"

namespace vxnet::hook {

enum class Role { kNetwork, kQemu };
// From argv[0]: basename "qemu" or a parent directory "qemu.d" is the qemu
// hook; anything else the network hook.
Role RoleFromPath(std::string_view argv0);

// The network operations libvirt sends (argv[2]).
enum class Operation { kStart, kStarted, kStopped, kPortCreated, kPortDeleted, kUpdated, kUnknown };
Operation ParseOperation(std::string_view op);
// start, started and port-created abort libvirt's action on failure; the
// others are ignored by libvirt, so refusing them helps nobody.
bool FailureAborts(Operation op);

struct Outcome {
  int exit_status = 0;
  std::string message;  // the stderr line; empty when there is nothing to say
  std::vector<std::string> changes;   // what was changed (log, stdout)
  std::vector<std::string> warnings;  // logged at warn level
  bool managed = false;               // false: not vxnet's, nothing touched
  std::string phases;                 // "mtu=1.2ms reconcile=20.1ms …", logged at debug
};

// An outcome that only refuses (or, with status 0, only reports).
inline Outcome Refusal(int exit_status, std::string message, bool managed) {
  Outcome o;
  o.exit_status = exit_status;
  o.message = std::move(message);
  o.managed = managed;
  return o;
}

struct HookContext {
  const Config& config;
  net::HostNetwork& host;
};

// What start and stopped do for a valid spec, also for vxnetctl reconcile
// and prune: make the host hold the network (OVS, address, veth), or remove
// what it owns. Never throw; the Outcome says what happened.
Outcome ApplyNetwork(const NetworkSpec& spec, HookContext& ctx);
Outcome RemoveNetwork(const NetworkSpec& spec, HookContext& ctx);

// args: argv[1..] as libvirt passes them: network, op, sub-op, "-".
Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text, HookContext& ctx);
// args: argv[1..]: domain, op, sub-op, extra. Acts on "prepare begin".
Outcome RunQemuHook(const std::vector<std::string>& args, std::string_view stdin_text, HookContext& ctx);

}  // namespace vxnet::hook
