// Side-by-side latency of making one vxnet overlay, on one private OVSDB +
// ovs-vswitchd (userspace datapath), in one run:
//   hook        vxnet-hook NETWORK start, a whole process as libvirt runs it
//               (parsing, MTU probing, schema check, one transaction, wait)
//   per-port    one ovs-vsctl call for the bridge, then one per tunnel port
//               (what a hand-written hook does)
//   batched     one ovs-vsctl call with --may-exist steps
//   floor       the same transaction, precomputed, sent by an already running
//               process over an open socket, plus the wait for ovs-vswitchd
// each from nothing (cold) and again with nothing to change (re-run). Ratios
// are taken pair by pair within a repetition; medians are reported.
// Usage: overlay_bench [--sizes 1,16,128,1024] [--reps 5]
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../tests/integration/ovs_sandbox.h"
#include "ovs/reconcile.h"
#include "xml/network_xml.h"

namespace {

using namespace std::chrono_literals;
using vxnet::test::OvsSandbox;

struct Timed {
  double ms = 0;
  long maxrss_kb = 0;
};

// fork/exec/wait4: wall time and the child's peak RSS.
Timed RunTimed(const std::vector<std::string>& argv, const std::string& stdin_path = "/dev/null") {
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = open(stdin_path.c_str(), O_RDONLY);
    const int null = open("/dev/null", O_WRONLY);
    dup2(in, 0);
    dup2(null, 1);
    dup2(null, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "overlay_bench: '%s' failed (status %d)\n", argv[0].c_str(), status);
    std::exit(1);
  }
  return {ms, usage.ru_maxrss};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

std::string Peer(int i) { return "198.18." + std::to_string(1 + i / 250) + "." + std::to_string(i % 250 + 2); }

vxnet::NetworkSpec Spec(int n) {
  vxnet::NetworkSpec s;
  s.vni = 100;
  s.datapath = vxnet::Datapath::kNetdev;
  for (int i = 0; i < n; ++i) s.peers.push_back(*vxnet::IpAddress::Parse(Peer(i)));
  return s;
}

struct Bench {
  std::unique_ptr<OvsSandbox> sandbox;
  std::string hook, gen, dir;

  std::vector<std::string> Vsctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ovs-vsctl", "--db=" + sandbox->endpoint(), "--timeout=120"});
    return args;
  }
  void Reset() { RunTimed(Vsctl({"--if-exists", "del-br", "ovs-sw0"})); }

  Timed PerPort(int n) {
    Timed t = RunTimed(Vsctl({"add-br", "ovs-sw0", "--", "set", "Bridge", "ovs-sw0", "datapath_type=netdev", "--", "set",
                              "Interface", "ovs-sw0", "mtu_request=1450"}));
    for (int i = 0; i < n; ++i) {
      const std::string port = "vx" + std::to_string(i);
      t.ms += RunTimed(Vsctl({"add-port", "ovs-sw0", port, "--", "set", "Interface", port, "type=vxlan",
                              "options:remote_ip=" + Peer(i), "options:key=100", "--", "set", "Port", port,
                              "protected=true"}))
                  .ms;
    }
    return t;
  }

  std::vector<std::string> BatchedArgs(int n) {
    std::vector<std::string> a = {"--may-exist", "add-br", "ovs-sw0", "--", "set", "Bridge", "ovs-sw0",
                                  "datapath_type=netdev", "--", "set", "Interface", "ovs-sw0", "mtu_request=1450"};
    for (int i = 0; i < n; ++i) {
      const std::string port = "vx" + std::to_string(i);
      for (const std::string& s : {std::string("--"), std::string("--may-exist"), std::string("add-port"),
                                   std::string("ovs-sw0"), port, std::string("--"), std::string("set"),
                                   std::string("Interface"), port, std::string("type=vxlan"),
                                   "options:remote_ip=" + Peer(i), std::string("options:key=100"), std::string("--"),
                                   std::string("set"), std::string("Port"), port, std::string("protected=true")})
        a.push_back(s);
    }
    return Vsctl(a);
  }

  // The floor: a precomputed transaction over an open socket + the wait.
  // Returns {total ms, ovs-vswitchd's share (commit answered -> applied)}.
  std::pair<double, double> Floor(int n) {
    using namespace vxnet::ovs;
    OvsdbClient client = OvsdbClient::Connect(Endpoint::Parse(sandbox->endpoint()), vxnet::Deadline::After(10s));
    const DesiredNetwork desired = DesiredFromSpec(Spec(n), 1450);
    const OvsState state = ReadState(client, vxnet::Deadline::After(10s));
    const Json ops = BuildTransaction(PlanReconcile(desired, state), desired, state);
    const auto t0 = std::chrono::steady_clock::now();
    const vxnet::Deadline deadline = vxnet::Deadline::After(120s);
    Json result = client.Transact("Open_vSwitch", ops, deadline);
    const auto t1 = std::chrono::steady_clock::now();
    WaitApplied(client, result.at(ops.size() - 1).at("rows").at(0).at("next_cfg").get<std::int64_t>(), deadline);
    const auto t2 = std::chrono::steady_clock::now();
    return {std::chrono::duration<double, std::milli>(t2 - t0).count(),
            std::chrono::duration<double, std::milli>(t2 - t1).count()};
  }
};

std::vector<int> ParseSizes(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {1, 16, 128, 1024};
  int reps = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--sizes") sizes = ParseSizes(argv[i + 1]);
    if (std::string(argv[i]) == "--reps") reps = std::max(1, std::atoi(argv[i + 1]));
  }
  Bench b;
  std::string reason;
  b.sandbox = OvsSandbox::Start(true, &reason);
  if (!b.sandbox) {
    std::fprintf(stderr, "overlay_bench: cannot run here: %s\n", reason.c_str());
    return 77;
  }
  b.hook = VXNET_HOOK;
  b.gen = VXNET_GEN;
  b.dir = b.sandbox->dir();
  // Everything below runs in the sandbox's network namespace, as the hook
  // does on a host: an underlay 198.18.0.1/15 with MTU 1500 routes all peers.
  const int ns = open(("/run/netns/" + b.sandbox->netns()).c_str(), O_RDONLY);
  if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
    std::perror("setns");
    return 1;
  }
  RunTimed({"ip", "link", "add", "u0", "type", "veth", "peer", "name", "u1"});
  RunTimed({"ip", "addr", "add", "198.18.0.1/15", "dev", "u0"});
  RunTimed({"ip", "link", "set", "u0", "up"});
  RunTimed({"ip", "link", "set", "u1", "up"});
  const std::string config = b.dir + "/vxnet.conf";
  std::ofstream(config) << "ovsdb = " << b.sandbox->endpoint() << "\ntimeout = 120\nlog_file = " << b.dir
                        << "/vxnet.log\nlog_level = " << (std::getenv("VXNET_BENCH_DEBUG") ? "debug" : "info") << "\n";
  setenv("VXNET_CONFIG", config.c_str(), 1);

  std::printf("| N | hook cold | per-port ovs-vsctl | batched ovs-vsctl | floor | vswitchd share | hook/batched | hook/floor "
              "| hook re-run | batched re-run | re-run ratio | hook peak RSS |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int n : sizes) {
    const std::string hookdata = b.dir + "/hookdata-" + std::to_string(n) + ".xml";
    std::ofstream(hookdata) << "<hookData>" << vxnet::FormatNetworkXml(Spec(n)) << "</hookData>";
    const std::vector<std::string> start = {b.hook, "vxnet0", "start", "begin", "-"};
    std::map<std::string, std::vector<double>> m;
    long rss = 0;
    const int r = n >= 1024 ? std::max(1, reps / 2) : reps;
    for (int rep = 0; rep < r; ++rep) {
      b.Reset();
      Timed hook_cold = RunTimed(start, hookdata);
      Timed hook_rerun = RunTimed(start, hookdata);
      rss = std::max(rss, std::max(hook_cold.maxrss_kb, hook_rerun.maxrss_kb));
      b.Reset();
      Timed per_port = b.PerPort(n);
      b.Reset();
      Timed batched = RunTimed(b.BatchedArgs(n));
      Timed batched_rerun = RunTimed(b.BatchedArgs(n));
      b.Reset();
      auto [floor, vswitchd] = b.Floor(n);
      m["hook"].push_back(hook_cold.ms);
      m["rerun"].push_back(hook_rerun.ms);
      m["perport"].push_back(per_port.ms);
      m["batched"].push_back(batched.ms);
      m["batched_rerun"].push_back(batched_rerun.ms);
      m["floor"].push_back(floor);
      m["vswitchd"].push_back(vswitchd);
      m["hook/batched"].push_back(hook_cold.ms / batched.ms);
      m["hook/floor"].push_back(hook_cold.ms / floor);
      m["rerun/batched_rerun"].push_back(hook_rerun.ms / batched_rerun.ms);
    }
    std::printf("| %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2f | %.2f | %.1f ms | %.1f ms | %.2f | %.1f MiB |\n", n,
                Median(m["hook"]), Median(m["perport"]), Median(m["batched"]), Median(m["floor"]),
                Median(m["vswitchd"]), Median(m["hook/batched"]), Median(m["hook/floor"]), Median(m["rerun"]),
                Median(m["batched_rerun"]), Median(m["rerun/batched_rerun"]), static_cast<double>(rss) / 1024.0);
    std::fflush(stdout);
  }

  // port-created (16 peers, network started): MTU already right, and after
  // drift; and vxnet-gen for the largest size.
  b.Reset();
  const std::string hookdata = b.dir + "/hookdata-port.xml";
  std::ofstream(hookdata) << "<hookData>" << vxnet::FormatNetworkXml(Spec(16))
                          << "<networkport><uuid>03ea3a12-3009-4d5d-8579-f5014123351f</uuid><owner><name>vm0</name>"
                             "<uuid>eae982a5-b9ea-41b9-8d36-c0cc92dc7677</uuid></owner><mac address='52:54:00:e8:6a:6e'/>"
                             "<plug type='bridge' bridge='ovs-sw0'/></networkport></hookData>";
  RunTimed({b.hook, "vxnet0", "start", "begin", "-"}, hookdata);
  std::vector<double> steady, drift, gen;
  for (int rep = 0; rep < reps; ++rep) {
    steady.push_back(RunTimed({b.hook, "vxnet0", "port-created", "begin", "-"}, hookdata).ms);
    RunTimed(b.Vsctl({"set", "Interface", "ovs-sw0", "mtu_request=1500"}));
    drift.push_back(RunTimed({b.hook, "vxnet0", "port-created", "begin", "-"}, hookdata).ms);
    std::vector<std::string> g = {b.gen, "network", "-o", "/dev/null"};
    for (int i = 0; i < sizes.back(); ++i) {
      g.push_back("--peer");
      g.push_back(Peer(i));
    }
    gen.push_back(RunTimed(g).ms);
  }
  std::printf("\n| operation | median |\n|---|---:|\n");
  std::printf("| hook port-created, MTU already right (16 peers) | %.1f ms |\n", Median(steady));
  std::printf("| hook port-created, MTU drifted to 1500 and repaired | %.1f ms |\n", Median(drift));
  std::printf("| vxnet-gen network, %d peers | %.1f ms |\n", sizes.back(), Median(gen));
  return 0;
}
