// Side-by-side latency of making one vxnet overlay, on one private OVSDB +
// ovs-vswitchd (userspace datapath), in one run, repetition by repetition:
//   hook           vxnet-hook NETWORK start, a whole process as libvirt runs
//                  it (config, log, stdin, parse, MTU from the kernel, read,
//                  plan, one transaction, wait for ovs-vswitchd, verdict)
//   process start  vxnet-hook --version: a process linked as the hook is,
//                  started and ended, which no logic in the hook can remove
//   trivial C      a C program that only returns 0, built here as the hook
//                  is (PIE, full RELRO), started the same way next to it:
//                  the start no program can beat
//   own work       hook minus process start (pair by pair)
//   floor          the same transaction, precomputed, sent by a running
//                  process over an open socket, plus the wait for
//                  ovs-vswitchd: what no client can beat
//   batched        one ovs-vsctl call with --may-exist steps
//   per-port       one ovs-vsctl call for the bridge, then one per tunnel
//                  (what a hand-written hook does; slow, so only up to
//                  --per-port-max tunnels)
// each from nothing (cold) and again with nothing to change (re-run); then
// port-created, the one hook run on every guest start. Ratios are taken pair
// by pair within a repetition; cells show the median and, in brackets, the
// interquartile range (25th-75th percentile) over the repetitions.
//
// Usage: overlay_bench [--sizes 1,16,128,1024] [--reps 11] [--reps-large 5]
//                      [--per-port-max 128] [--background M] [--phases]
//                      [--compare HOOK]
//                      [--exec COMMAND]
//   --reps-large  repetitions for N >= 1024
//   --background M  first give the host another overlay, bridge br-other
//                 with M tunnels of VNI 200 (network "other"), left in place:
//                 a busy host, where reading whole tables costs
//   --phases      log at debug level and print where the hook's time goes
//   --compare H   also run hook binary H (e.g. one built from an older
//                 commit) cold and re-run in every repetition, next to this
//                 one, and print both side by side
//   --exec        set up the sandbox and underlay, run COMMAND (sh -c) in
//                 it with VXNET_CONFIG, VXNET_BENCH_DB (the OVSDB endpoint)
//                 and VXNET_BENCH_DIR (hookdata-N.xml for each size), and
//                 exit with its status: for profiling by hand
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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
  double cpu_ms = 0;  // the child's user + system time
};

// fork/exec/wait4: wall time, the child's peak RSS and CPU time.
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
  auto tv_ms = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; };
  return {ms, usage.ru_maxrss, tv_ms(usage.ru_utime) + tv_ms(usage.ru_stime)};
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}
double Median(const std::vector<double>& v) { return Quantile(v, 0.5); }

// "12.3 ms [11.9–13.0]" (median [p25–p75]); ratios without a unit.
std::string Cell(const std::vector<double>& v, const char* unit = " ms", int decimals = 1) {
  if (v.empty()) return "–";
  char buf[96];
  if (v.size() < 3)
    std::snprintf(buf, sizeof buf, "%.*f%s", decimals, Median(v), unit);
  else
    std::snprintf(buf, sizeof buf, "%.*f%s [%.*f–%.*f]", decimals, Median(v), unit, decimals, Quantile(v, 0.25), decimals,
                  Quantile(v, 0.75));
  return buf;
}
std::string Ratio(const std::vector<double>& v) { return Cell(v, "", 2); }

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
  std::string hook, gen, trivial, dir, log;
  std::uintmax_t log_seen = 0;

  std::vector<std::string> Vsctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ovs-vsctl", "--db=" + sandbox->endpoint(), "--timeout=120"});
    return args;
  }
  void Reset() { RunTimed(Vsctl({"--if-exists", "del-br", "ovs-sw0"})); }

  // The median of k starts of `vxnet-hook --version` (or of `program`),
  // taken next to the run it is subtracted from.
  double ProcessStart(int k = 5, double* cpu_ms = nullptr, const std::string& program = "") {
    std::vector<double> v, cpu;
    for (int i = 0; i < k; ++i) {
      const Timed t = program.empty() ? RunTimed({hook, "--version"}) : RunTimed({program});
      v.push_back(t.ms);
      cpu.push_back(t.cpu_ms);
    }
    if (cpu_ms) *cpu_ms = Median(cpu);
    return Median(v);
  }

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

  // The floor: a precomputed transaction over an open socket + the wait,
  // the same way the hook waits (AwaitApplied from the commit's cur_cfg).
  // Returns {total ms, ovs-vswitchd's share (commit answered -> applied)}.
  std::pair<double, double> Floor(int n) {
    using namespace vxnet::ovs;
    OvsdbClient client = OvsdbClient::Connect(Endpoint::Parse(sandbox->endpoint()), vxnet::Deadline::After(10s));
    const DesiredNetwork desired = DesiredFromSpec(Spec(n), 1450);
    const OvsState state = ReadState(client, vxnet::Deadline::After(10s));
    const Transaction ops = BuildTransaction(PlanReconcile(desired, state), desired, state);
    const auto t0 = std::chrono::steady_clock::now();
    const vxnet::Deadline deadline = vxnet::Deadline::After(120s);
    Json result = client.Transact("Open_vSwitch", ops, deadline);
    const auto t1 = std::chrono::steady_clock::now();
    const Json& cfg = result.at(ops.size() - 1).at("rows").at(0);
    AwaitApplied(client, cfg.at("next_cfg").get<std::int64_t>(), cfg.at("cur_cfg").get<std::int64_t>(), Json::array(),
                 deadline);
    const auto t2 = std::chrono::steady_clock::now();
    return {std::chrono::duration<double, std::milli>(t2 - t0).count(),
            std::chrono::duration<double, std::milli>(t2 - t1).count()};
  }

  // The last "phases:" line the hook logged since the previous call.
  std::string LastPhases() {
    std::ifstream in(log);
    in.seekg(static_cast<std::streamoff>(log_seen));
    std::string line, last;
    while (std::getline(in, line))
      if (auto p = line.find("phases: "); p != std::string::npos) last = line.substr(p + 8);
    std::error_code ec;
    log_seen = std::filesystem::file_size(log, ec);
    return last;
  }
};

// "input=0.2ms mtu=1.6ms ... (read=0.3ms ... round_trips=3 received=1.2KiB) ..."
// -> every name=number pair.
std::map<std::string, double> ParsePhases(const std::string& text) {
  std::map<std::string, double> out;
  std::string token;
  std::istringstream in(text);
  while (in >> token) {
    while (!token.empty() && (token.front() == '(')) token.erase(0, 1);
    while (!token.empty() && (token.back() == ')')) token.pop_back();
    const auto eq = token.find('=');
    if (eq == std::string::npos) continue;
    try {
      out[token.substr(0, eq)] = std::stod(token.substr(eq + 1));
    } catch (const std::exception&) {
    }
  }
  return out;
}

std::string FirstLine(const std::string& path, const std::string& prefix = "") {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) return prefix.empty() ? line : line.substr(line.find(':') + 2);
  return "?";
}

std::vector<int> ParseSizes(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {1, 16, 128, 1024};
  int reps = 11, reps_large = 5, per_port_max = 128, background = 0;
  bool phases = false;
  std::string exec, compare;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--phases") {
      phases = true;
      continue;
    }
    if (!value) {
      std::fprintf(stderr, "overlay_bench: %s needs a value\n", a.c_str());
      return 2;
    }
    ++i;
    if (a == "--sizes") sizes = ParseSizes(value);
    else if (a == "--reps") reps = std::max(1, std::atoi(value));
    else if (a == "--reps-large") reps_large = std::max(1, std::atoi(value));
    else if (a == "--per-port-max") per_port_max = std::atoi(value);
    else if (a == "--background") background = std::atoi(value);
    else if (a == "--exec") exec = value;
    else if (a == "--compare") compare = value;
    else {
      std::fprintf(stderr, "overlay_bench: unknown option %s\n", a.c_str());
      return 2;
    }
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
  b.trivial = VXNET_TRIVIAL;
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
  // Every path the hook uses lies in the sandbox (run records, libvirt's
  // directories), so nothing on this machine is read or written.
  const char* log_path = std::getenv("VXNET_BENCH_LOG");
  b.log = log_path ? std::string(log_path) : b.dir + "/vxnet.log";
  const std::string config = b.dir + "/vxnet.conf";
  std::ofstream(config) << "ovsdb = " << b.sandbox->endpoint() << "\ntimeout = 120\nlog_file = " << b.log
                        << "\nlog_level = " << (phases || std::getenv("VXNET_BENCH_DEBUG") ? "debug" : "info")
                        << "\nstate_dir = " << b.dir << "/state\nlibvirt_state_dir = " << b.dir
                        << "/run\nlibvirt_config_dir = " << b.dir << "/etc\n";
  std::filesystem::create_directories(b.dir + "/etc/qemu");
  std::filesystem::copy_file(std::string(VXNET_TEST_DATA) + "/domains/vm-mtu1450.xml", b.dir + "/etc/qemu/vm0.xml");
  setenv("VXNET_CONFIG", config.c_str(), 1);
  for (int n : sizes)
    std::ofstream(b.dir + "/hookdata-" + std::to_string(n) + ".xml")
        << "<hookData>" << vxnet::FormatNetworkXml(Spec(n)) << "</hookData>";
  if (!exec.empty()) {
    setenv("VXNET_BENCH_DB", b.sandbox->endpoint().c_str(), 1);
    setenv("VXNET_BENCH_DIR", b.dir.c_str(), 1);
    return std::system(exec.c_str()) == 0 ? 0 : 1;
  }

  if (background > 0) {
    using namespace vxnet::ovs;
    vxnet::NetworkSpec other;
    other.name = "other";
    other.bridge = "br-other";
    other.vni = 200;
    other.datapath = vxnet::Datapath::kNetdev;
    for (int i = 0; i < background; ++i)
      other.peers.push_back(*vxnet::IpAddress::Parse("198.19." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2)));
    OvsdbClient client = OvsdbClient::Connect(Endpoint::Parse(b.sandbox->endpoint()), vxnet::Deadline::After(10s));
    Reconcile(client, DesiredFromSpec(other, 1450), vxnet::Deadline::After(300s));
  }
  const std::string load_before = FirstLine("/proc/loadavg");
  // The first bridge in a fresh ovs-vswitchd creates its datapath (about
  // 100 ms): not part of any measurement.
  const std::vector<std::string> start = {b.hook, "vxnet0", "start", "begin", "-"};
  RunTimed(start, b.dir + "/hookdata-" + std::to_string(sizes.front()) + ".xml");
  b.Reset();

  std::map<int, std::map<std::string, std::vector<double>>> all;
  std::map<int, long> rss;
  std::map<int, std::map<std::string, std::vector<double>>> phase_cold, phase_rerun;
  for (int n : sizes) {
    const std::string hookdata = b.dir + "/hookdata-" + std::to_string(n) + ".xml";
    auto& m = all[n];
    const int r = n >= 1024 ? reps_large : reps;
    for (int rep = 0; rep < r; ++rep) {
      // The compared hook goes first in every other repetition, so neither
      // profits from what the other left in caches.
      Timed other_cold, other_rerun, other_start;
      auto run_compared = [&] {
        b.Reset();
        other_cold = RunTimed({compare, "vxnet0", "start", "begin", "-"}, hookdata);
        other_rerun = RunTimed({compare, "vxnet0", "start", "begin", "-"}, hookdata);
        other_start = RunTimed({compare, "--version"});
      };
      if (!compare.empty() && rep % 2 == 1) run_compared();
      b.Reset();
      b.LastPhases();
      double start_cpu = 0;
      const double start_before = b.ProcessStart(5, &start_cpu);
      Timed hook_cold = RunTimed(start, hookdata);
      if (phases)
        for (const auto& [k, v] : ParsePhases(b.LastPhases())) phase_cold[n][k].push_back(v);
      Timed hook_rerun = RunTimed(start, hookdata);
      if (phases)
        for (const auto& [k, v] : ParsePhases(b.LastPhases())) phase_rerun[n][k].push_back(v);
      const double process_start = (start_before + b.ProcessStart()) / 2;
      // The trivial program's start beside the hook's, interleaved with it.
      std::vector<double> trivial_v, hook_v;
      for (int i = 0; i < 5; ++i) {
        trivial_v.push_back(b.ProcessStart(1, nullptr, b.trivial));
        hook_v.push_back(b.ProcessStart(1));
      }
      m["trivial"].push_back(Median(trivial_v));
      m["start/trivial"].push_back(Median(hook_v) / Median(trivial_v));
      rss[n] = std::max(rss[n], std::max(hook_cold.maxrss_kb, hook_rerun.maxrss_kb));
      if (!compare.empty()) {
        if (rep % 2 == 0) run_compared();
        m["cmp"].push_back(other_cold.ms);
        m["cmp_rerun"].push_back(other_rerun.ms);
        m["cmp_start"].push_back(other_start.ms);
        m["hook/cmp"].push_back(hook_cold.ms / other_cold.ms);
        m["rerun/cmp_rerun"].push_back(hook_rerun.ms / other_rerun.ms);
        m["cmp_cpu"].push_back(other_cold.cpu_ms);
        m["cmp_rerun_cpu"].push_back(other_rerun.cpu_ms);
        m["hook_cpu"].push_back(hook_cold.cpu_ms);
        m["rerun_cpu"].push_back(hook_rerun.cpu_ms);
      }
      b.Reset();
      Timed batched = RunTimed(b.BatchedArgs(n));
      Timed batched_rerun = RunTimed(b.BatchedArgs(n));
      b.Reset();
      auto [floor, vswitchd] = b.Floor(n);
      if (n <= per_port_max) {
        b.Reset();
        m["perport"].push_back(b.PerPort(n).ms);
      }
      const double own = hook_cold.ms - process_start;
      m["hook"].push_back(hook_cold.ms);
      m["start"].push_back(process_start);
      m["own"].push_back(own);
      m["rerun"].push_back(hook_rerun.ms);
      m["batched"].push_back(batched.ms);
      m["batched_rerun"].push_back(batched_rerun.ms);
      m["floor"].push_back(floor);
      phase_cold[n]["floor_commit"].push_back(floor - vswitchd);
      phase_cold[n]["floor_applied"].push_back(vswitchd);
      m["vswitchd"].push_back(vswitchd);
      m["own/floor"].push_back(own / floor);
      m["own-floor"].push_back(own - floor);
      m["hook/batched"].push_back(hook_cold.ms / batched.ms);
      m["hook/floor"].push_back(hook_cold.ms / floor);
      m["rerun/batched_rerun"].push_back(hook_rerun.ms / batched_rerun.ms);
      m["rerun_own"].push_back(hook_rerun.ms - process_start);
      m["start_cpu"].push_back(start_cpu);
      m["own_cpu"].push_back(hook_cold.cpu_ms - start_cpu);
      m["rerun_own_cpu"].push_back(hook_rerun.cpu_ms - start_cpu);
    }
  }
  b.Reset();

  std::string ovs_version;
  vxnet::test::Run({"ovs-vsctl", "--version"}, &ovs_version);
  std::printf("Machine: %ld CPUs (%s); %s; load average before: %s, after: %s.\n", sysconf(_SC_NPROCESSORS_ONLN),
              FirstLine("/proc/cpuinfo", "model name").c_str(), ovs_version.substr(0, ovs_version.find('\n')).c_str(),
              load_before.c_str(), FirstLine("/proc/loadavg").c_str());
  if (background > 0)
    std::printf("The host also carries bridge br-other with %d tunnels of another network (VNI 200).\n", background);
  std::printf("Medians [25th–75th percentile]; ratios pair by pair within a repetition.\n\n");
  std::printf("| N | reps | hook | process start | trivial C start | process start / trivial C | own work | floor "
              "| own work / floor | hook / batched ovs-vsctl | re-run | batched re-run | re-run / batched re-run |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int n : sizes) {
    auto& m = all[n];
    std::printf("| %d | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, m["hook"].size(),
                Cell(m["hook"]).c_str(), Cell(m["start"], " ms", 2).c_str(), Cell(m["trivial"], " ms", 2).c_str(),
                Ratio(m["start/trivial"]).c_str(), Cell(m["own"]).c_str(), Cell(m["floor"]).c_str(), Ratio(m["own/floor"]).c_str(),
                Ratio(m["hook/batched"]).c_str(), Cell(m["rerun"]).c_str(), Cell(m["batched_rerun"]).c_str(),
                Ratio(m["rerun/batched_rerun"]).c_str());
  }
  std::printf("\n| N | batched ovs-vsctl | per-port ovs-vsctl | own work − floor | vswitchd share of the floor | hook / floor "
              "| re-run own work | CPU: process start | CPU: own work | CPU: re-run own work | hook peak RSS |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int n : sizes) {
    auto& m = all[n];
    std::printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f MiB |\n", n, Cell(m["batched"]).c_str(),
                Cell(m["perport"]).c_str(), Cell(m["own-floor"]).c_str(), Cell(m["vswitchd"]).c_str(),
                Ratio(m["hook/floor"]).c_str(), Cell(m["rerun_own"]).c_str(), Cell(m["start_cpu"]).c_str(),
                Cell(m["own_cpu"]).c_str(), Cell(m["rerun_own_cpu"]).c_str(), static_cast<double>(rss[n]) / 1024.0);
  }
  if (!compare.empty()) {
    std::printf("\nCompared with %s (same repetitions):\n\n", compare.c_str());
    std::printf("| N | hook | compared | hook / compared | re-run | compared re-run | re-run / compared re-run "
                "| CPU: hook | CPU: compared | CPU: re-run | CPU: compared re-run | compared --version |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int n : sizes) {
      auto& m = all[n];
      std::printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, Cell(m["hook"]).c_str(),
                  Cell(m["cmp"]).c_str(), Ratio(m["hook/cmp"]).c_str(), Cell(m["rerun"]).c_str(), Cell(m["cmp_rerun"]).c_str(),
                  Ratio(m["rerun/cmp_rerun"]).c_str(), Cell(m["hook_cpu"]).c_str(), Cell(m["cmp_cpu"]).c_str(),
                  Cell(m["rerun_cpu"]).c_str(), Cell(m["cmp_rerun_cpu"]).c_str(), Cell(m["cmp_start"]).c_str());
    }
  }
  std::fflush(stdout);

  // port-created (16 peers, network started, the guest's definition on
  // disk as libvirt keeps it): MTU already right, and after drift. Each
  // next to its own process-start measurement.
  const std::string port_data = b.dir + "/hookdata-port.xml";
  std::ofstream(port_data) << "<hookData>" << vxnet::FormatNetworkXml(Spec(16))
                           << "<networkport><uuid>03ea3a12-3009-4d5d-8579-f5014123351f</uuid><owner><name>vm0</name>"
                              "<uuid>eae982a5-b9ea-41b9-8d36-c0cc92dc7677</uuid></owner><mac address='52:54:00:e8:6a:6e'/>"
                              "<plug type='bridge' bridge='ovs-sw0'/></networkport></hookData>";
  RunTimed(start, port_data);
  std::vector<double> steady, steady_own, drift, drift_own, gen;
  const int port_reps = reps;
  for (int rep = 0; rep < port_reps; ++rep) {
    const double s1 = b.ProcessStart();
    steady.push_back(RunTimed({b.hook, "vxnet0", "port-created", "begin", "-"}, port_data).ms);
    RunTimed(b.Vsctl({"set", "Interface", "ovs-sw0", "mtu_request=1500"}));
    drift.push_back(RunTimed({b.hook, "vxnet0", "port-created", "begin", "-"}, port_data).ms);
    const double s2 = b.ProcessStart();
    steady_own.push_back(steady.back() - (s1 + s2) / 2);
    drift_own.push_back(drift.back() - (s1 + s2) / 2);
    std::vector<std::string> g = {b.gen, "network", "-o", "/dev/null"};
    for (int i = 0; i < sizes.back(); ++i) {
      g.push_back("--peer");
      g.push_back(Peer(i));
    }
    gen.push_back(RunTimed(g).ms);
  }
  std::printf("\n| operation | time | minus process start |\n|---|---:|---:|\n");
  std::printf("| hook port-created, MTU already right (16 peers) | %s | %s |\n", Cell(steady).c_str(), Cell(steady_own).c_str());
  std::printf("| hook port-created, MTU drifted to 1500 and repaired | %s | %s |\n", Cell(drift).c_str(),
              Cell(drift_own).c_str());
  std::printf("| vxnet-gen network, %d peers | %s | |\n", sizes.back(), Cell(gen).c_str());

  // The targets, from the medians above.
  auto median = [&](int n, const char* k) { return all.count(n) ? Median(all[n][k]) : -1.0; };
  std::printf("\n| target | measured (median) | met |\n|---|---:|---|\n");
  auto row = [](const std::string& what, double value, const char* unit, bool met) {
    std::printf("| %s | %.2f%s | %s |\n", what.c_str(), value, unit, met ? "yes" : "**no**");
  };
  for (int n : sizes) {
    if (n == 1) row("N=1: own work − floor ≤ 3 ms", median(1, "own-floor"), " ms", median(1, "own-floor") <= 3.0);
    if (n >= 128) {
      row("N=" + std::to_string(n) + ": own work / floor ≤ 1.3", median(n, "own/floor"), "", median(n, "own/floor") <= 1.3);
    }
  }
  for (int n : sizes) {
    if (n == 1) row("N=1: hook / batched ovs-vsctl ≤ 0.5", median(1, "hook/batched"), "", median(1, "hook/batched") <= 0.5);
    if (n >= 128)
      row("N=" + std::to_string(n) + ": hook / batched ovs-vsctl ≤ 0.75", median(n, "hook/batched"), "",
          median(n, "hook/batched") <= 0.75);
  }
  for (int n : sizes)
    if (n >= 1024)
      row("N=" + std::to_string(n) + ": re-run / batched re-run ≤ 0.2", median(n, "rerun/batched_rerun"), "",
          median(n, "rerun/batched_rerun") <= 0.2);
  {
    std::vector<double> ratios;
    for (int n : sizes) ratios.insert(ratios.end(), all[n]["start/trivial"].begin(), all[n]["start/trivial"].end());
    row("process start (--version) ≤ 2 × trivial C program's", Median(ratios), " ×", Median(ratios) <= 2.0);
  }
  row("port-created, nothing drifted: minus process start ≤ 2 ms", Median(steady_own), " ms", Median(steady_own) <= 2.0);

  if (phases) {
    // Where the hook's own time goes (its debug log), medians in ms.
    // The floor's commit and wait, for comparison with the hook's.
    const std::vector<std::string> keys = {"input", "mtu", "connect", "reconcile", "read", "plan", "build", "commit",
                                           "floor_commit", "applied", "floor_applied", "round_trips", "received", "address"};
    std::printf("\n| run | input | mtu | connect | reconcile | read | plan | build | commit | floor: commit | applied "
                "| floor: applied | round trips | KiB received | address |\n|---|");
    for (std::size_t i = 0; i < keys.size(); ++i) std::printf("---:|");
    std::printf("\n");
    auto print = [&](const std::string& name, std::map<std::string, std::vector<double>>& p) {
      std::printf("| %s |", name.c_str());
      for (const auto& k : keys) {
        if (p[k].empty())
          std::printf(" – |");
        else
          std::printf(" %.*f |", k == "round_trips" ? 0 : (k == "received" ? 1 : 2), Median(p[k]));
      }
      std::printf("\n");
    };
    for (int n : sizes) {
      print("N=" + std::to_string(n) + " cold", phase_cold[n]);
      print("N=" + std::to_string(n) + " re-run", phase_rerun[n]);
    }
  }
  return 0;
}
