// vxnet-hook: installed as /etc/libvirt/hooks/network and as the qemu hook
// (/etc/libvirt/hooks/qemu.d/vxnet). libvirt runs it with its argv, a
// document on stdin, a cleared environment, and waits for it forever while
// holding the network's lock: so every step here is bounded.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "hook/hook.h"
#include "hook/log.h"
#include "version.h"
#include "xml/xml_doc.h"

namespace {

constexpr const char* kHelp =
    "Usage: vxnet-hook NETWORK OPERATION SUB-OPERATION -     (as libvirt's network hook)\n"
    "       vxnet-hook DOMAIN prepare begin -                (as libvirt's qemu hook)\n"
    "\n"
    "libvirt's hook for vxnet overlays. As /etc/libvirt/hooks/network it builds\n"
    "the Open vSwitch bridge and VXLAN tunnels a vxnet network declares at\n"
    "'start', verifies them at 'started', enforces the overlay MTU at\n"
    "'port-created' and removes the tunnels at 'stopped'. As\n"
    "/etc/libvirt/hooks/qemu.d/vxnet it refuses guests whose interface MTU the\n"
    "overlay cannot carry. Networks without vxnet metadata pass untouched.\n"
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

// Reads stdin up to the size limit (plus one byte, so oversize is seen)
// or until the deadline: a writer that never closes cannot hang the hook.
std::string ReadStdin(const vxnet::Deadline& deadline, bool* timed_out) {
  std::string text;
  char buf[65536];
  while (text.size() <= vxnet::kMaxXmlBytes) {
    pollfd p{0, POLLIN, 0};
    const int ready = poll(&p, 1, deadline.poll_timeout_ms());
    if (ready == 0) {
      *timed_out = true;
      break;
    }
    if (ready < 0 && errno == EINTR) continue;
    const ssize_t n = read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kHelp;
    return 0;
  }
  if (!args.empty() && args[0] == "--version") {
    std::cout << "vxnet-hook " << vxnet::kVersion << "\n";
    return 0;
  }
  const vxnet::hook::Role role = vxnet::hook::RoleFromPath(argc > 0 ? argv[0] : "");

  vxnet::hook::Config config;
  try {
    config = vxnet::hook::LoadConfigFromEnvironment();
  } catch (const vxnet::Error& e) {
    std::cerr << "vxnet: " << e.what() << "\n";
    return 1;
  }
  vxnet::hook::SetupLogging(config);

  bool stdin_timed_out = false;
  const std::string input = ReadStdin(vxnet::Deadline::After(config.timeout), &stdin_timed_out);
  const auto t_input = std::chrono::steady_clock::now();
  LazyHost host;
  vxnet::hook::HookContext ctx{config, host};
  vxnet::hook::Outcome outcome;
  if (stdin_timed_out) {
    outcome = vxnet::hook::Refusal(1, "vxnet: hook stdin was not closed within " + std::to_string(config.timeout.count()) + " ms", false);
  } else if (role == vxnet::hook::Role::kQemu) {
    outcome = vxnet::hook::RunQemuHook(args, input, ctx);
  } else {
    outcome = vxnet::hook::RunNetworkHook(args, input, ctx);
  }

  const auto duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  if (!outcome.phases.empty()) {
    // From process start (as the kernel saw it) to main, then the phases.
    char input_phase[48];
    std::snprintf(input_phase, sizeof input_phase, "input=%.1fms ",
                  std::chrono::duration<double, std::milli>(t_input - t0).count());
    outcome.phases = input_phase + outcome.phases;
  }
  vxnet::hook::LogRun(role == vxnet::hook::Role::kQemu ? "domain" : "network", args.empty() ? "" : args[0],
                      args.size() > 1 ? args[1] : "", outcome, duration);
  for (const auto& change : outcome.changes) std::cout << "vxnet: " << change << "\n";
  if (!outcome.message.empty()) std::cerr << outcome.message << "\n";
  return outcome.exit_status;
}
