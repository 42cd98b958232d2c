// vxnet-hook: installed as /etc/libvirt/hooks/network and as the qemu hook
// (/etc/libvirt/hooks/qemu.d/vxnet). libvirt runs it with its argv, a
// document on stdin, a cleared environment, and waits for it forever while
// holding the network's lock: so the whole run has one deadline, and
// nothing that escapes can turn a call that is not vxnet's into a failure.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "engine/config.h"
#include "hook/hook.h"
#include "hook/input.h"
#include "hook/log.h"
#include "version.h"

namespace {

// stdio, not iostreams: a program with <iostream> constructs the eight
// standard streams and their locale at every start, --version included.
void Print(std::FILE* to, const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), to);
  std::fputc('\n', to);
}

constexpr const char* kHelp =
    "Usage: vxnet-hook NETWORK OPERATION SUB-OPERATION -     (as libvirt's network hook)\n"
    "       vxnet-hook DOMAIN prepare|release begin|end -    (as libvirt's qemu hook)\n"
    "\n"
    "libvirt's hook for vxnet overlays. As /etc/libvirt/hooks/network it builds\n"
    "the Open vSwitch bridge and VXLAN tunnels a vxnet network declares at\n"
    "'start', verifies them at 'started', enforces the overlay MTU at\n"
    "'port-created' and removes the tunnels at 'stopped'. As\n"
    "/etc/libvirt/hooks/qemu.d/vxnet it refuses guests whose interface MTU the\n"
    "overlay cannot carry and records those it admits, so that a hot-plug is\n"
    "told from a start. Networks and guests that are not vxnet's always pass\n"
    "with exit status 0, whatever happens.\n"
    "\n"
    "Configuration: /etc/vxnet/vxnet.conf (see vxnet.conf(5)).\n"
    "Log: /var/log/vxnet/vxnet.log and syslog (ident vxnet).\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help and exit\n"
    "  --version      show the version and exit\n"
    "\n"
    "See vxnet-hook(8).\n";

// The netlink socket is opened only when an operation needs the host.
class LazyHost : public vxnet::net::HostNetwork {
 public:
  std::optional<int> PathMtu(const vxnet::IpAddress& peer) override { return Get().PathMtu(peer); }
  std::vector<std::optional<int>> PathMtus(const std::vector<vxnet::IpAddress>& peers) override {
    return Get().PathMtus(peers);
  }
  std::vector<vxnet::IpAddress> LocalAddresses() override { return Get().LocalAddresses(); }
  std::optional<vxnet::net::LinkInfo> Link(const std::string& name) override { return Get().Link(name); }
  void EnsureAddress(const std::string& i, const vxnet::Cidr& a) override { Get().EnsureAddress(i, a); }
  void RemoveAddress(const std::string& i, const vxnet::Cidr& a) override { Get().RemoveAddress(i, a); }
  void EnsureVethToBridge(const std::string& a, const std::string& b, const std::string& br, int mtu) override {
    Get().EnsureVethToBridge(a, b, br, mtu);
  }
  void DeleteLink(const std::string& name) override { Get().DeleteLink(name); }

 private:
  vxnet::net::HostNetwork& Get() {
    if (!real_) real_ = vxnet::net::MakeNetlinkHostNetwork();
    return *real_;
  }
  std::unique_ptr<vxnet::net::HostNetwork> real_;
};

double Ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

int Run(const std::vector<std::string>& args, const char* argv0, std::chrono::steady_clock::time_point t0) {
  using vxnet::hook::Outcome;
  const vxnet::hook::Role role = vxnet::hook::RoleFromPath(argv0);
  // Read leniently: nothing in the file can make a call fail that is not
  // vxnet's; it gives the run its deadline, log and paths.
  const vxnet::engine::Config config = vxnet::engine::LoadConfigFromEnvironment();
  vxnet::hook::SetupLogging(config);
  const vxnet::Deadline run = vxnet::Deadline::Since(t0, config.timeout);

  // Always drain stdin, within the deadline: libvirt writes it whatever the
  // operation.
  const vxnet::hook::HookInput input = vxnet::hook::ReadHookInput(STDIN_FILENO, run);
  const auto t_input = std::chrono::steady_clock::now();
  LazyHost host;
  vxnet::hook::HookEnv env{config, host, run};
  Outcome outcome;
  if (!vxnet::hook::MayConcernVxnet(role, args)) {
    if (role == vxnet::hook::Role::kNetwork && args.size() < 3) outcome = vxnet::hook::RunNetworkHook(args, "", env);
  } else if (!input.complete) {
    // What was read is only the start: libvirt's own file for the object
    // argv names says whether it is vxnet's (hook.h).
    const std::string why = input.timed_out ? "hook stdin was not closed within " + std::to_string(config.timeout.count()) + " ms"
                            : input.oversize ? "hook stdin is larger than the limit of " + std::to_string(vxnet::kMaxXmlBytes) + " bytes"
                                             : "hook stdin could not be read";
    outcome = role == vxnet::hook::Role::kQemu ? vxnet::hook::RunQemuHookUnread(args, input.text, why, env)
                                               : vxnet::hook::RunNetworkHookUnread(args, input.text, why, env);
  } else if (role == vxnet::hook::Role::kQemu) {
    outcome = vxnet::hook::RunQemuHook(args, input.text, env);
  } else {
    outcome = vxnet::hook::RunNetworkHook(args, input.text, env);
  }

  const auto end = std::chrono::steady_clock::now();
  if (!outcome.phases.empty()) {
    char input_phase[48];
    std::snprintf(input_phase, sizeof input_phase, "input=%.1fms ", Ms(t_input - t0));
    outcome.phases = input_phase + outcome.phases;
  }
  vxnet::hook::LogRun(role == vxnet::hook::Role::kQemu ? "domain" : "network", args.empty() ? "" : args[0],
                      args.size() > 1 ? args[1] : "", outcome,
                      std::chrono::duration_cast<std::chrono::milliseconds>(end - t0));
  for (const auto& change : outcome.changes) Print(stdout, "vxnet: " + change);
  if (!outcome.message.empty()) Print(stderr, outcome.message);
  return outcome.exit_status;
}

}  // namespace

int main(int argc, char** argv) {
  const auto t0 = std::chrono::steady_clock::now();
  std::signal(SIGPIPE, SIG_IGN);  // a reader gone away is an error return, not death
  std::vector<std::string> args;
  try {
    args.assign(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (!args.empty() && args[0] == "--version") {
      Print(stdout, std::string("vxnet-hook ") + vxnet::kVersion);
      return 0;
    }
    return Run(args, argc > 0 ? argv[0] : "", t0);
  } catch (...) {
    // Every path above turns vxnet's own failures into an Outcome; what
    // still escapes (memory exhausted, …) cannot be known to be vxnet's.
    try {
      vxnet::hook::LogEscaped(args, std::current_exception());
    } catch (...) {
    }
    return 0;
  }
}
