// vxnet-hook as libvirt runs it, inside a network namespace holding a real
// ovs-vswitchd (userspace datapath) and an underlay veth, so the overlay
// MTU, the bridge netdev and the host address are the kernel's own.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <algorithm>
#include <sstream>

#include "ovs_sandbox.h"
#include "xml/network_xml.h"

namespace vxnet::test {
namespace {

using namespace std::chrono_literals;

class HookOvsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    sandbox_ = OvsSandbox::Start(true, &reason);
    if (!sandbox_) GTEST_SKIP() << reason;
    ns_ = sandbox_->netns();
    config_ = sandbox_->dir() + "/vxnet.conf";
    WriteConfig("");
    // The underlay: this host is 198.18.0.1 and 2001:db8::1; peers are
    // reached through u0, whose MTU each test sets.
    Ip({"link", "add", "u0", "type", "veth", "peer", "name", "u1"});
    Ip({"addr", "add", "198.18.0.1/24", "dev", "u0"});
    Ip({"addr", "add", "2001:db8::1/64", "dev", "u0", "nodad"});
    Ip({"link", "set", "u0", "up"});
    Ip({"link", "set", "u1", "up"});
  }

  void WriteConfig(const std::string& extra) {
    std::ofstream(config_) << "ovsdb = " << sandbox_->endpoint() << "\ntimeout = 10\nlog_file = " << sandbox_->dir()
                           << "/log/vxnet.log\nlibvirt_config_dir = " << sandbox_->dir() << "/etc\n"
                           << "libvirt_state_dir = " << sandbox_->dir() << "/run\nstate_dir = " << sandbox_->dir()
                           << "/state\n" << extra;
  }

  // libvirt's status file: present exactly while the network is active.
  void MarkActive(const NetworkSpec& spec) {
    std::filesystem::create_directories(sandbox_->dir() + "/run/network");
    std::ofstream(sandbox_->dir() + "/run/network/" + spec.name + ".xml")
        << "<networkstatus>" << FormatNetworkXml(spec) << "</networkstatus>";
  }

  std::string Log() {
    std::ifstream log(sandbox_->dir() + "/log/vxnet.log");
    return std::string((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  }

  void Ip(std::vector<std::string> args) {
    args.insert(args.begin(), {"ip", "-n", ns_});
    std::string out;
    ASSERT_EQ(test::Run(args, &out), 0) << out;
  }

  // The hookData libvirt would send for `spec`.
  std::string HookData(const NetworkSpec& spec, const std::string& port = "") {
    const std::string path = sandbox_->dir() + "/hookdata-" + std::to_string(++files_) + ".xml";
    std::ofstream(path) << "<hookData>" << FormatNetworkXml(spec) << port << "</hookData>";
    return path;
  }

  int Hook(const std::string& op, const std::string& stdin_path, std::string* out = nullptr, std::string* err = nullptr,
           const std::string& as = VXNET_HOOK, const std::string& network = "vxnet0") {
    setenv("VXNET_CONFIG", config_.c_str(), 1);
    unsetenv("VXNET_OVSDB");
    const std::string sub = op == "stopped" ? "end" : "begin";
    std::string ignored;
    return test::Run({"ip", "netns", "exec", ns_, as, network, op, sub, "-"}, out, stdin_path, err ? err : &ignored);
  }

  static NetworkSpec Spec(std::vector<std::string> peers) {
    NetworkSpec s;
    s.vni = 100;
    s.datapath = Datapath::kNetdev;
    for (const auto& p : peers) s.peers.push_back(*IpAddress::Parse(p));
    return s;
  }

  // Tunnel ports in OVSDB (ovs-vsctl --bare separates rows by blank lines).
  int Tunnels() {
    std::istringstream out(sandbox_->Vsctl({"--bare", "--columns=name", "find", "Port", "protected=true"}));
    int n = 0;
    for (std::string line; std::getline(out, line);) n += !line.empty();
    return n;
  }

  std::string BridgeMtu() { return sandbox_->Vsctl({"get", "Interface", "ovs-sw0", "mtu_request"}); }
  std::string KernelMtu(const std::string& dev) {
    std::string out;
    test::Run({"ip", "-n", ns_, "-o", "link", "show", dev}, &out);
    auto pos = out.find(" mtu ");
    return pos == std::string::npos ? "absent" : out.substr(pos + 5, out.find(' ', pos + 5) - pos - 5);
  }

  std::unique_ptr<OvsSandbox> sandbox_;
  std::string ns_, config_;
  int files_ = 0;
};

TEST_F(HookOvsTest, StartBuildsTheOverlayAtTheUnderlayMtuStoppedRemovesIt) {
  NetworkSpec spec = Spec({"198.18.0.1", "198.18.0.2", "198.18.0.3"});  // .1 is this host
  spec.address = Cidr::Parse("10.100.0.1/16");
  const std::string in = HookData(spec);
  std::string out, err;
  ASSERT_EQ(Hook("start", in, &out, &err), 0) << err;
  EXPECT_NE(out.find("create bridge ovs-sw0"), std::string::npos) << out;
  EXPECT_EQ(sandbox_->Vsctl({"get", "Bridge", "ovs-sw0", "datapath_type"}), "netdev");
  EXPECT_EQ(BridgeMtu(), "1450");
  const std::string tunnels = sandbox_->Vsctl({"--bare", "--columns=options", "find", "Interface", "type=vxlan"});
  EXPECT_NE(tunnels.find("key=100 remote_ip=198.18.0.2"), std::string::npos) << tunnels;
  EXPECT_NE(tunnels.find("key=100 remote_ip=198.18.0.3"), std::string::npos) << tunnels;
  EXPECT_EQ(tunnels.find("remote_ip=198.18.0.1"), std::string::npos) << "a tunnel to this host itself";
  // The kernel netdev libvirt copies the MTU from, with the host address.
  EXPECT_EQ(KernelMtu("ovs-sw0"), "1450");
  std::string addr;
  test::Run({"ip", "-n", ns_, "-o", "addr", "show", "dev", "ovs-sw0"}, &addr);
  EXPECT_NE(addr.find("10.100.0.1/16"), std::string::npos) << addr;

  EXPECT_EQ(Hook("started", in, nullptr, &err), 0) << err;
  EXPECT_EQ(Hook("start", in, &out), 0);  // again: nothing to do
  EXPECT_NE(out.find("overlay MTU 1450, 2 tunnel(s)"), std::string::npos) << out;
  EXPECT_EQ(out.find("add tunnel"), std::string::npos) << out;

  ASSERT_EQ(Hook("stopped", in, &out, &err), 0) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
  EXPECT_EQ(KernelMtu("ovs-sw0"), "absent");
  EXPECT_EQ(Hook("stopped", in, &out, &err), 0) << err;  // idempotent
  EXPECT_EQ(err, "");
  // One line per run in the log.
  std::ifstream log(sandbox_->dir() + "/log/vxnet.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("network=vxnet0 op=start outcome=ok changes="), std::string::npos) << text;
  EXPECT_NE(text.find("network=vxnet0 op=stopped outcome=ok"), std::string::npos) << text;
}

// A peer written "::ffff:198.18.0.2" (libvirt keeps it as written) is the
// IPv4 peer 198.18.0.2: its route is IPv4's, OVS gets the IPv4 form, and a
// second network to the same peer and VNI written the other way is refused
// by vxnet by name before OVS would refuse it ("File exists").
TEST_F(HookOvsTest, AnIpv4MappedPeerIsItsIpv4Address) {
  auto hook_data = [&](const std::string& name, const std::string& bridge, const std::string& peer) {
    NetworkSpec spec = Spec({"198.18.0.99"});  // no mtu=: the overlay MTU comes from the route to the peer
    spec.name = name;
    spec.bridge = bridge;
    std::string xml = FormatNetworkXml(spec);
    const auto at = xml.find("198.18.0.99");
    xml.replace(at, std::string("198.18.0.99").size(), peer);
    const std::string path = sandbox_->dir() + "/hookdata-" + std::to_string(++files_) + ".xml";
    std::ofstream(path) << "<hookData>" << xml << "</hookData>";
    return path;
  };
  const std::string mapped = hook_data("vxnet0", "ovs-sw0", "::ffff:198.18.0.2");
  std::string out, err;
  ASSERT_EQ(Hook("start", mapped, &out, &err), 0) << err;
  EXPECT_EQ(BridgeMtu(), "1450");  // IPv4's 50 bytes of VXLAN, not IPv6's 70
  const std::string tunnel = sandbox_->Vsctl({"--bare", "--columns=name", "find", "Interface", "type=vxlan"});
  EXPECT_EQ(sandbox_->Vsctl({"get", "Interface", tunnel, "options:remote_ip"}), "\"198.18.0.2\"");
  EXPECT_EQ(sandbox_->Vsctl({"get", "Interface", tunnel, "error"}), "[]");

  const std::string plain = hook_data("vxnet1", "ovs-sw1", "198.18.0.2");
  EXPECT_EQ(Hook("start", plain, &out, &err, VXNET_HOOK, "vxnet1"), 1);
  EXPECT_NE(err.find("port '" + tunnel + "': belongs to vxnet network 'vxnet0'"), std::string::npos) << err;
  EXPECT_EQ(err.find("File exists"), std::string::npos) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");
  EXPECT_EQ(Tunnels(), 1);

  EXPECT_EQ(Hook("stopped", mapped, nullptr, &err), 0) << err;
  EXPECT_EQ(Tunnels(), 0);
}

// underlay 1500 -> 1450 (above), 9000 -> 8950, IPv6 peer -> 1430, a route's
// own MTU wins over the device's, mixed peers -> the minimum.
TEST_F(HookOvsTest, OverlayMtuTableFromTheRealRoutingTable) {
  struct Case {
    std::string underlay_mtu;
    std::vector<std::string> peers;
    std::string expected;
  };
  Ip({"route", "add", "198.18.7.0/24", "dev", "u0", "mtu", "1400"});
  for (const Case& c : std::vector<Case>{{"9000", {"198.18.0.2"}, "8950"},
                                         {"1500", {"2001:db8::2"}, "1430"},
                                         {"9000", {"2001:db8::2", "198.18.0.2"}, "8930"},
                                         {"9000", {"198.18.0.2", "198.18.7.9"}, "1350"}}) {
    Ip({"link", "set", "u0", "mtu", c.underlay_mtu});
    std::string err;
    EXPECT_EQ(Hook("start", HookData(Spec(c.peers)), nullptr, &err), 0) << err;
    EXPECT_EQ(BridgeMtu(), c.expected) << "underlay " << c.underlay_mtu << ", peers " << c.peers.size();
    EXPECT_EQ(Hook("started", HookData(Spec(c.peers)), nullptr, &err), 0) << err;
    EXPECT_EQ(KernelMtu("ovs-sw0"), c.expected);
    EXPECT_EQ(Hook("stopped", HookData(Spec(c.peers))), 0);
  }
}

// The route lookups go to the kernel in batches of 32: every answer must
// reach its own peer, also in the last batches, and a peer without a route
// is named as such wherever it stands.
TEST_F(HookOvsTest, OverlayMtuOfManyPeersHasEachPeersOwnRoute) {
  Ip({"route", "add", "198.18.7.0/24", "dev", "u0", "mtu", "1400"});
  Ip({"link", "set", "u0", "mtu", "9000"});
  auto peers = [](const std::string& at70, const std::string& at90) {
    std::vector<std::string> p;
    for (int i = 2; i < 102; ++i) p.push_back("198.18.0." + std::to_string(i));
    p[40] = "2001:db8::2";
    p[70] = at70;
    p[90] = at90;
    return p;
  };
  std::string err;
  // 9000-byte underlay, one peer behind a route of MTU 1400 in the third batch.
  EXPECT_EQ(Hook("start", HookData(Spec(peers("198.18.7.9", "198.18.0.200")))), 0);
  EXPECT_EQ(BridgeMtu(), "1350");
  EXPECT_EQ(Tunnels(), 100);
  EXPECT_EQ(Hook("stopped", HookData(Spec(peers("198.18.7.9", "198.18.0.200")))), 0);
  NetworkSpec declared = Spec(peers("198.18.7.9", "198.18.0.200"));
  declared.mtu = 1400;
  EXPECT_EQ(Hook("start", HookData(declared), nullptr, &err), 1);
  EXPECT_NE(err.find("exceeds the overlay MTU 1350 that the path to peer 198.18.7.9 carries (underlay MTU 1400"),
            std::string::npos)
      << err;
  // A peer without a route in the fourth batch, between peers with one.
  EXPECT_EQ(Hook("start", HookData(Spec(peers("198.18.0.72", "203.0.113.9"))), nullptr, &err), 1);
  EXPECT_NE(err.find("peer '203.0.113.9': has no route from this host"), std::string::npos) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
  declared = Spec(peers("198.18.0.72", "203.0.113.9"));
  declared.mtu = 1300;
  EXPECT_EQ(Hook("start", HookData(declared), nullptr, &err), 0) << err;
  EXPECT_EQ(BridgeMtu(), "1300");
  EXPECT_NE(Log().find("peer 203.0.113.9 has no route from this host; using the declared MTU 1300"), std::string::npos)
      << Log();
  EXPECT_EQ(Hook("stopped", HookData(declared)), 0);
}

TEST_F(HookOvsTest, RefusalsLeaveNothingBehind) {
  std::string err;
  NetworkSpec too_big = Spec({"198.18.0.2"});
  too_big.mtu = 1500;
  EXPECT_EQ(Hook("start", HookData(too_big), nullptr, &err), 1);
  EXPECT_NE(err.find("exceeds the overlay MTU 1450"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
  EXPECT_EQ(Hook("start", HookData(Spec({"203.0.113.9"})), nullptr, &err), 1);  // no route in this namespace
  EXPECT_NE(err.find("peer '203.0.113.9': has no route from this host"), std::string::npos) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
}

TEST_F(HookOvsTest, StartedRefusesABrokenOverlayAndUndoesStart) {
  const std::string in = HookData(Spec({"198.18.0.2"}));
  ASSERT_EQ(Hook("start", in), 0);
  // Something breaks the tunnel between start and started.
  const std::string tunnel = sandbox_->Vsctl({"--bare", "--columns=name", "find", "Interface", "type=vxlan"});
  sandbox_->Vsctl({"set", "Interface", tunnel, "type=geneve"});
  std::string err;
  EXPECT_EQ(Hook("started", in, nullptr, &err), 1);
  EXPECT_NE(err.find("OVS does not hold what the network declares"), std::string::npos) << err;
  EXPECT_NE(err.find("(vxnet removed what start made)"), std::string::npos) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
}

TEST_F(HookOvsTest, PortCreatedRepairsMtuDriftAndAppliesTheGuestPolicy) {
  const NetworkSpec spec = Spec({"198.18.0.2"});
  ASSERT_EQ(Hook("start", HookData(spec)), 0);
  sandbox_->Vsctl({"set", "Interface", "ovs-sw0", "mtu_request=1500"});  // drift
  const std::string port =
      "<networkport><uuid>03ea3a12-3009-4d5d-8579-f5014123351f</uuid><owner><name>vm0</name>"
      "<uuid>eae982a5-b9ea-41b9-8d36-c0cc92dc7677</uuid></owner><mac address='52:54:00:e8:6a:6e'/>"
      "<plug type='bridge' bridge='ovs-sw0'/></networkport>";
  // A transient domain: no definition on disk. The MTU is repaired anyway.
  std::string out, err;
  EXPECT_EQ(Hook("port-created", HookData(spec, port), &out, &err), 0) << err;
  EXPECT_EQ(BridgeMtu(), "1450");
  EXPECT_EQ(KernelMtu("ovs-sw0"), "1450");
  // A persistent definition declaring 9000 is refused by name.
  std::filesystem::create_directories(sandbox_->dir() + "/etc/qemu");
  std::filesystem::copy_file(std::string(VXNET_TEST_DATA) + "/domains/vm-mtu9000.xml", sandbox_->dir() + "/etc/qemu/vm0.xml");
  EXPECT_EQ(Hook("port-created", HookData(spec, port), nullptr, &err), 1);
  EXPECT_EQ(err,
            "vxnet: domain 'vm0' interface 52:54:00:e8:6a:6e MTU '9000': exceeds the overlay MTU 1450 of network "
            "'vxnet0'; set <mtu size='1450'/> in the interface (vxnet-gen interface --network vxnet0 --mtu 1450)");
  // The qemu hook refuses the same guest at prepare, from its stdin.
  std::filesystem::create_directories(sandbox_->dir() + "/run/network");
  std::ofstream(sandbox_->dir() + "/run/network/vxnet0.xml") << "<networkstatus>" << FormatNetworkXml(spec) << "</networkstatus>";
  const std::string qemu_dir = sandbox_->dir() + "/hooks/qemu.d";
  std::filesystem::create_directories(qemu_dir);
  std::filesystem::create_symlink(VXNET_HOOK, qemu_dir + "/vxnet");
  setenv("VXNET_CONFIG", config_.c_str(), 1);
  EXPECT_EQ(test::Run({"ip", "netns", "exec", ns_, qemu_dir + "/vxnet", "vm0", "prepare", "begin", "-"}, nullptr,
                std::string(VXNET_TEST_DATA) + "/domains/vm-mtu9000.xml", &err),
            1);
  EXPECT_NE(err.find("MTU '9000': exceeds the overlay MTU 1450"), std::string::npos) << err;
  EXPECT_EQ(test::Run({"ip", "netns", "exec", ns_, qemu_dir + "/vxnet", "vm0", "prepare", "begin", "-"}, nullptr,
                std::string(VXNET_TEST_DATA) + "/domains/vm-mtu1450.xml", &err),
            0)
      << err;
}

TEST_F(HookOvsTest, UnmanagedNetworkLeavesOvsdbUntouched) {
  const std::string before = sandbox_->Vsctl({"show"});
  const std::string in = sandbox_->dir() + "/hookdata.xml";
  std::ifstream corpus(std::string(VXNET_TEST_DATA) + "/libvirt-networkxml/openvswitch-net.xml");
  std::ofstream(in) << "<hookData>" << corpus.rdbuf() << "</hookData>";
  std::string err;
  EXPECT_EQ(Hook("start", in, nullptr, &err), 0);
  EXPECT_EQ(err, "");
  EXPECT_EQ(sandbox_->Vsctl({"show"}), before);
}

// One deadline for the whole run: the configured timeout bounds stdin, the
// operation and any undo together.
TEST_F(HookOvsTest, StalledOvsdbFailsStartWithinTheConfiguredTimeout) {
  const std::string path = sandbox_->dir() + "/stalled.sock";
  SilentServer server(path);
  std::ofstream(config_) << "ovsdb = unix:" << path << "\ntimeout = 1\nlog_file = " << sandbox_->dir()
                         << "/v.log\nstate_dir = " << sandbox_->dir() << "/state\n";
  auto t0 = std::chrono::steady_clock::now();
  std::string err;
  EXPECT_EQ(Hook("start", HookData(Spec({"198.18.0.2"})), nullptr, &err), 1);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(err.rfind("vxnet: OVSDB server 'unix:" + path + "': did not answer 'transact' within", 0), 0u) << err;
  EXPECT_LT(elapsed, 1200ms);

  // The first read goes out before the routes are looked up; a peer
  // without a route is still the refusal, and it does not wait for it.
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Hook("start", HookData(Spec({"198.18.0.2", "203.0.113.9"})), nullptr, &err), 1);
  EXPECT_EQ(err.rfind("vxnet: network 'vxnet0' peer '203.0.113.9': has no route from this host", 0), 0u) << err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);

  // stdin trickling in for 600 ms leaves the operation only the rest.
  const std::string fifo = sandbox_->dir() + "/stdin.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string in = HookData(Spec({"198.18.0.2"}));
  std::thread writer([&] {
    std::ifstream src(in);
    std::string text((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
    std::ofstream out(fifo);
    out << text.substr(0, 10) << std::flush;
    std::this_thread::sleep_for(600ms);
    out << text.substr(10);
  });
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Hook("start", fifo, nullptr, &err), 1) << err;
  elapsed = std::chrono::steady_clock::now() - t0;
  writer.join();
  EXPECT_NE(err.find("did not answer 'transact'"), std::string::npos) << err;
  EXPECT_LT(elapsed, 1200ms) << "stdin, operation and undo each had the whole timeout";
}

// network-scripts hosts: the bridge and tunnels come up from vxnet-gen's
// ifcfg files at boot (ifup-ovs runs the ovs-vsctl below); the hook then
// takes those tunnels as its own instead of refusing them as duplicates.
TEST_F(HookOvsTest, TunnelsFromIfcfgFilesAreTheHooksOwn) {
  std::string files;
  ASSERT_EQ(test::Run({VXNET_GEN, "host", "--format", "ifcfg", "--peer", "198.18.0.2", "--peer", "198.18.0.3", "--vni",
                       "100", "--datapath", "netdev"},
                      &files),
            0);
  auto field = [](const std::string& file, const std::string& key) {
    const auto at = file.find("\n" + key + "=");
    if (at == std::string::npos) return std::string();
    std::string value = file.substr(at + key.size() + 2, file.find('\n', at + 1) - at - key.size() - 2);
    if (!value.empty() && value.front() == '"') value = value.substr(1, value.size() - 2);
    return value;
  };
  auto words = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  };
  std::size_t pos = 0;
  int tunnels = 0;
  while ((pos = files.find("# ==> ", pos)) != std::string::npos) {
    const auto end = files.find("# ==> ", pos + 1);
    const std::string file = files.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end;
    std::vector<std::string> args;
    const std::string device = field(file, "DEVICE");
    if (field(file, "TYPE") == "OVSBridge") {
      args = {"--", "--may-exist", "add-br", device};
    } else {
      ++tunnels;
      args = {"--", "add-port", field(file, "OVS_BRIDGE"), device, "--", "set", "Interface", device,
              "type=" + field(file, "OVS_TUNNEL_TYPE")};
      for (const auto& w : words(field(file, "OVS_TUNNEL_OPTIONS"))) args.push_back(w);
    }
    args.push_back("--");
    for (const auto& w : words(field(file, "OVS_EXTRA"))) args.push_back(w);
    sandbox_->Vsctl(args);
  }
  ASSERT_EQ(tunnels, 2);
  std::string out, err;
  ASSERT_EQ(Hook("start", HookData(Spec({"198.18.0.2", "198.18.0.3"})), &out, &err), 0) << err;
  EXPECT_EQ(out.find("add tunnel"), std::string::npos) << out;
  EXPECT_EQ(out.find("update tunnel"), std::string::npos) << out;
  EXPECT_EQ(Tunnels(), 2);
}

// Four libvirt operations at once (e.g. two hosts' tooling, or a start
// racing a retry) end in exactly the declared state.
TEST_F(HookOvsTest, FourConcurrentStartsEndInTheDeclaredState) {
  std::vector<std::string> peers;
  for (int i = 2; i < 34; ++i) peers.push_back("198.18.0." + std::to_string(i));
  const std::string in = HookData(Spec(peers));
  std::vector<std::thread> runs;
  std::vector<int> status(4, -1);
  std::vector<std::string> errors(4);
  for (std::size_t i = 0; i < 4; ++i)
    runs.emplace_back([&, i] { status[i] = Hook("start", in, nullptr, &errors[i]); });
  for (auto& t : runs) t.join();
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(status[i], 0) << errors[i];
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");
  EXPECT_EQ(Tunnels(), 32);
}

// SIGKILL at any moment: OVSDB holds all of a network or none of it, never
// part; the next start converges (kernel pieces included).
TEST_F(HookOvsTest, SigkillOfTheHookNeverLeavesPartOfANetwork) {
  std::vector<std::string> peers;
  for (int i = 0; i < 200; ++i) peers.push_back("198.18." + std::to_string(1 + i / 250) + "." + std::to_string(i % 250 + 2));
  Ip({"addr", "add", "198.18.1.1/23", "dev", "u0"});
  NetworkSpec spec = Spec(peers);
  spec.address = Cidr::Parse("10.100.0.1/16");
  const std::string in = HookData(spec);
  setenv("VXNET_CONFIG", config_.c_str(), 1);
  std::mt19937 rng(1126);
  int complete = 0, empty = 0, interrupted = 0;
  for (int round = 0; round < 16; ++round) {
    const std::string op = round % 2 ? "stopped" : "start";
    const pid_t pid = fork();
    if (pid == 0) {
      const int fd = open(in.c_str(), O_RDONLY);
      dup2(fd, 0);
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execlp("ip", "ip", "netns", "exec", ns_.c_str(), VXNET_HOOK, "vxnet0", op.c_str(), "begin", "-", nullptr);
      _exit(127);
    }
    // Process start alone takes a few ms; the whole run about 30 ms here.
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(2000, 30000)(rng)));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    const int tunnels = Tunnels();
    EXPECT_TRUE(tunnels == 0 || tunnels == 200) << "round " << round << ": " << tunnels << " of 200 tunnels";
    complete += tunnels == 200;
    empty += tunnels == 0;
    // Killed before its commit: the state is still the previous round's.
    interrupted += (op == "start") == (tunnels == 0);
  }
  std::fprintf(stderr, "after SIGKILL: %d complete, %d empty, %d operations interrupted before their commit\n",
               complete, empty, interrupted);
  EXPECT_GT(interrupted, 0) << "no kill landed before a commit: the test did not exercise anything";
  std::string err;
  ASSERT_EQ(Hook("start", in, nullptr, &err), 0) << err;
  std::string addr;
  test::Run({"ip", "-n", ns_, "-o", "addr", "show", "dev", "ovs-sw0"}, &addr);
  EXPECT_NE(addr.find("10.100.0.1/16"), std::string::npos) << addr;
  EXPECT_EQ(KernelMtu("ovs-sw0"), "1450");
}

// Input cut in half is not known to be vxnet's: libvirt's action goes on,
// OVS is untouched, and the log says why.
TEST_F(HookOvsTest, TruncatedStdinPassesUntouchedAndIsLogged) {
  const std::string full = HookData(Spec({"198.18.0.2"}));
  std::ifstream in(full);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string half = sandbox_->dir() + "/half.xml";
  std::ofstream(half) << text.substr(0, text.size() / 2);
  std::string err;
  EXPECT_EQ(Hook("start", half, nullptr, &err), 0);
  EXPECT_EQ(err, "");
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
  EXPECT_NE(Log().find("network=vxnet0 op=start warning: network 'vxnet0': hook stdin cannot be read"), std::string::npos)
      << Log();
  EXPECT_NE(Log().find("neither stdin nor libvirt's file for it tells whether it is a vxnet network: left alone"), std::string::npos)
      << Log();
}

// What libvirt 9.0 really wrote on the hook's stdin (tests/data/hookdata),
// through a whole network life against a real OVS.
TEST_F(HookOvsTest, CapturedHookDataThroughANetworksLife) {
  const std::string data = std::string(VXNET_TEST_DATA) + "/hookdata/";
  std::string out, err;
  ASSERT_EQ(Hook("start", data + "start.xml", &out, &err), 0) << err;
  EXPECT_EQ(Tunnels(), 2);
  EXPECT_EQ(BridgeMtu(), "1450");
  ASSERT_EQ(Hook("started", data + "started.xml", &out, &err), 0) << err;
  ASSERT_EQ(Hook("port-created", data + "port-created.xml", &out, &err), 0) << err;
  ASSERT_EQ(Hook("port-deleted", data + "port-deleted.xml", &out, &err), 0) << err;
  ASSERT_EQ(Hook("stopped", data + "stopped.xml", &out, &err), 0) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
  EXPECT_EQ(err, "");
}

// Linux bridge docker0 attached; the transaction fails after the veth was
// made (a port of the tunnel's name exists, not vxnet's): the veth goes.
TEST_F(HookOvsTest, AFailedStartRemovesTheVethItMade) {
  Ip({"link", "add", "docker0", "type", "bridge"});
  NetworkSpec spec = Spec({"198.18.0.2"});
  spec.attach_bridge = "docker0";
  const std::string tunnel = TunnelName(spec.peers[0], 100, 4789, std::nullopt);
  sandbox_->Vsctl({"add-br", "other", "--", "set", "Bridge", "other", "datapath_type=netdev", "--", "add-port", "other", tunnel});
  std::string err;
  EXPECT_EQ(Hook("start", HookData(spec), nullptr, &err), 1);
  EXPECT_NE(err.find("port '" + tunnel + "': exists and was not made by vxnet"), std::string::npos) << err;
  const AttachVeth veth = AttachVethNames(spec);
  EXPECT_EQ(KernelMtu(veth.ovs_end), "absent") << "the veth made before the failed transaction was left behind";
  EXPECT_EQ(KernelMtu(veth.bridge_end), "absent");
}

// A bridge someone else made and uses (the underlay's br-phy, with the NIC
// in it) is never taken over: refused, naming the port, and left as it was.
TEST_F(HookOvsTest, ABridgeCarryingForeignPortsIsNotTakenOver) {
  Ip({"link", "add", "nic0", "type", "veth", "peer", "name", "nic1"});
  sandbox_->Vsctl({"add-br", "ovs-sw0", "--", "set", "Bridge", "ovs-sw0", "datapath_type=netdev", "--", "add-port",
                   "ovs-sw0", "nic0"});
  const std::string before = sandbox_->Vsctl({"show"});
  const std::string mtu_before = BridgeMtu();
  std::string err;
  EXPECT_EQ(Hook("start", HookData(Spec({"198.18.0.2"})), nullptr, &err), 1);
  EXPECT_EQ(err,
            "vxnet: bridge 'ovs-sw0': was not made by vxnet and carries port 'nic0', which is neither a guest's nor "
            "vxnet's; vxnet does not take over such a bridge; give network 'vxnet0' its own bridge name (vxnet creates "
            "it), or remove port 'nic0' from the bridge");
  EXPECT_EQ(sandbox_->Vsctl({"show"}), before);
  EXPECT_EQ(BridgeMtu(), mtu_before);
}

// A bridge made by NetworkManager (or by hand) holding only its internal
// port and guests is used; the mtu_request vxnet sets on it is recorded and
// put back when the network stops, and the bridge and guests stay.
TEST_F(HookOvsTest, AnEmptyForeignBridgeIsUsedAndItsMtuPutBack) {
  sandbox_->Vsctl({"add-br", "ovs-sw0", "--", "set", "Bridge", "ovs-sw0", "datapath_type=netdev", "--", "add-port",
                   "ovs-sw0", "vnet7", "--", "set", "Interface", "vnet7", "type=internal",
                   "external_ids:attached-mac=52:54:00:00:00:07", "external_ids:iface-id=abc"});
  ASSERT_EQ(BridgeMtu(), "[]");
  const std::string in = HookData(Spec({"198.18.0.2"}));
  std::string err;
  ASSERT_EQ(Hook("start", in, nullptr, &err), 0) << err;
  EXPECT_EQ(BridgeMtu(), "1450");
  EXPECT_EQ(sandbox_->Vsctl({"get", "Interface", "ovs-sw0", "external_ids:vxnet-saved-mtu_request"}), "none");
  ASSERT_EQ(Hook("start", in, nullptr, &err), 0) << err;  // a second start keeps the first record
  EXPECT_EQ(sandbox_->Vsctl({"get", "Interface", "ovs-sw0", "external_ids:vxnet-saved-mtu_request"}), "none");
  ASSERT_EQ(Hook("stopped", in, nullptr, &err), 0) << err;
  EXPECT_EQ(BridgeMtu(), "[]");
  EXPECT_EQ(sandbox_->Vsctl({"get", "Interface", "ovs-sw0", "external_ids"}), "{}");
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");
  EXPECT_EQ(sandbox_->Vsctl({"list-ports", "ovs-sw0"}), "vnet7");
  EXPECT_EQ(Tunnels(), 0);
}

// virsh net-update --config on an inactive network calls 'updated' with its
// persistent definition: nothing on this host may change. On an active one
// it is start's path.
TEST_F(HookOvsTest, UpdatedActsOnlyOnAnActiveNetwork) {
  const NetworkSpec spec = Spec({"198.18.0.2"});
  const std::string in = HookData(spec);
  std::string err;
  EXPECT_EQ(Hook("updated", in, nullptr, &err), 0) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
  EXPECT_NE(Log().find("network=vxnet0 op=updated note: network 'vxnet0' is not active"), std::string::npos) << Log();
  MarkActive(spec);
  ASSERT_EQ(Hook("updated", in, nullptr, &err), 0) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");
  EXPECT_EQ(Tunnels(), 1);
}

// The overlay MTU is decided at start: a route that changes while guests
// start neither refuses them nor gives their taps another MTU.
TEST_F(HookOvsTest, PortCreatedKeepsTheMtuDecidedAtStart) {
  const NetworkSpec spec = Spec({"198.18.0.2"});
  ASSERT_EQ(Hook("start", HookData(spec)), 0);
  ASSERT_EQ(BridgeMtu(), "1450");
  Ip({"link", "set", "u0", "mtu", "1400"});  // the underlay shrinks after start
  const std::string port =
      "<networkport><uuid>03ea3a12-3009-4d5d-8579-f5014123351f</uuid><owner><name>vm0</name>"
      "<uuid>eae982a5-b9ea-41b9-8d36-c0cc92dc7677</uuid></owner><mac address='52:54:00:e8:6a:6e'/>"
      "<plug type='bridge' bridge='ovs-sw0'/></networkport>";
  std::filesystem::create_directories(sandbox_->dir() + "/etc/qemu");
  std::filesystem::copy_file(std::string(VXNET_TEST_DATA) + "/domains/vm-mtu1450.xml", sandbox_->dir() + "/etc/qemu/vm0.xml");
  std::string err;
  EXPECT_EQ(Hook("port-created", HookData(spec, port), nullptr, &err), 0) << err;
  EXPECT_EQ(BridgeMtu(), "1450");
  // An update cannot follow an underlay that no longer carries it: it says so.
  MarkActive(spec);
  EXPECT_EQ(Hook("updated", HookData(spec), nullptr, &err), 1);
  EXPECT_NE(err.find("overlay MTU '1450': is more than the underlay now carries (1350)"), std::string::npos) << err;
}

// The qemu hook records what it admitted at prepare; port-created then
// tells a guest's start (or an incoming migration) from a hot-plug, which
// no hook can check: strict refuses it, warn says what it must declare.
TEST_F(HookOvsTest, PortCreatedTellsAdmittedPortsFromHotPlugs) {
  const NetworkSpec spec = Spec({"198.18.0.2"});
  ASSERT_EQ(Hook("start", HookData(spec)), 0);
  MarkActive(spec);
  const std::string qemu_dir = sandbox_->dir() + "/hooks/qemu.d";
  std::filesystem::create_directories(qemu_dir);
  std::filesystem::create_symlink(VXNET_HOOK, qemu_dir + "/vxnet");
  auto qemu = [&](const std::string& op, const std::string& sub, std::string* err) {
    setenv("VXNET_CONFIG", config_.c_str(), 1);
    return test::Run({"ip", "netns", "exec", ns_, qemu_dir + "/vxnet", "vm0", op, sub, "-"}, nullptr,
                     std::string(VXNET_TEST_DATA) + "/domains/vm-mtu1450.xml", err);
  };
  const std::string record = sandbox_->dir() + "/state/guest/eae982a5-b9ea-41b9-8d36-c0cc92dc7677.json";
  std::string err;
  ASSERT_EQ(qemu("prepare", "begin", &err), 0) << err;
  ASSERT_TRUE(std::filesystem::exists(record));
  auto port = [](const std::string& mac) {
    return "<networkport><uuid>03ea3a12-3009-4d5d-8579-f5014123351f</uuid><owner><name>vm0</name>"
           "<uuid>eae982a5-b9ea-41b9-8d36-c0cc92dc7677</uuid></owner><mac address='" +
           mac + "'/><plug type='bridge' bridge='ovs-sw0'/></networkport>";
  };
  // The admitted interface: nothing to say (an incoming migration as well).
  EXPECT_EQ(Hook("port-created", HookData(spec, port("52:54:00:E8:6A:6E")), nullptr, &err), 0) << err;
  EXPECT_EQ(Log().find("warning"), std::string::npos) << Log();

  // The guest runs (libvirt wrote its status file, which names the port
  // of each interface on a network); a new interface comes.
  std::filesystem::create_directories(sandbox_->dir() + "/run/qemu");
  std::ifstream definition(std::string(VXNET_TEST_DATA) + "/domains/vm-mtu1450.xml");
  std::string live((std::istreambuf_iterator<char>(definition)), std::istreambuf_iterator<char>());
  live.replace(live.find("<source network='vxnet0'/>"), 26,
               "<source network='vxnet0' portid='03ea3a12-3009-4d5d-8579-f5014123351f' bridge='ovs-sw0'/>");
  std::ofstream(sandbox_->dir() + "/run/qemu/vm0.xml") << "<domstatus state='running'>" << live << "</domstatus>";
  EXPECT_EQ(Hook("port-created", HookData(spec, port("52:54:00:aa:bb:cc")), nullptr, &err), 0) << err;
  EXPECT_NE(Log().find("warning: domain 'vm0' interface 52:54:00:aa:bb:cc: hot-plugged onto network 'vxnet0' (overlay MTU "
                       "1450), its MTU unchecked: it must declare <mtu size='1450'/> (vxnet-gen interface --network vxnet0 "
                       "--mtu 1450)"),
            std::string::npos)
      << Log();
  WriteConfig("guest_mtu_policy = strict\n");
  EXPECT_EQ(Hook("port-created", HookData(spec, port("52:54:00:aa:bb:cc")), nullptr, &err), 1);
  EXPECT_EQ(err.rfind("vxnet: domain 'vm0' interface 52:54:00:aa:bb:cc: hot-plugged onto network 'vxnet0', whose "
                      "guest-mtu-policy 'strict' admits only interfaces whose MTU vxnet checked",
                      0),
            0u)
      << err;
  // After a libvirtd restart the running guest's own port is not a hot-plug.
  std::filesystem::remove(record);
  EXPECT_EQ(Hook("port-created", HookData(spec, port("52:54:00:e8:6a:6e")), nullptr, &err), 0) << err;
  EXPECT_NE(Log().find("note: domain 'vm0' interface 52:54:00:e8:6a:6e: libvirtd reconnecting to a running guest"),
            std::string::npos)
      << Log();

  ASSERT_EQ(qemu("prepare", "begin", &err), 0) << err;
  ASSERT_EQ(qemu("release", "end", &err), 0) << err;
  EXPECT_FALSE(std::filesystem::exists(record)) << "release left the admission record";
}

// Metadata the running vxnet cannot read (written by another version):
// stopped still removes what start made, from the run record.
TEST_F(HookOvsTest, StoppedTearsDownANetworkWhoseMetadataCannotBeRead) {
  NetworkSpec spec = Spec({"198.18.0.2"});
  spec.address = Cidr::Parse("10.100.0.1/16");
  spec.bridge = "br-vx";
  ASSERT_EQ(Hook("start", HookData(spec)), 0);
  std::ifstream src(HookData(spec));
  std::string text((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
  text.replace(text.find("vni=\"100\""), 9, "vni=\"100\" colour=\"red\"");
  const std::string unreadable = sandbox_->dir() + "/unreadable.xml";
  std::ofstream(unreadable) << text;
  std::string err;
  EXPECT_EQ(Hook("start", unreadable, nullptr, &err), 1);
  EXPECT_NE(err.find("vxnet metadata attribute 'colour': is not known to this vxnet"), std::string::npos) << err;
  EXPECT_EQ(Hook("stopped", unreadable, nullptr, &err), 0) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
  EXPECT_EQ(KernelMtu("br-vx"), "absent");
  EXPECT_FALSE(std::filesystem::exists(sandbox_->dir() + "/state/network/vxnet0.json"));
}

// Undo and stop remove only what vxnet added: an address the host had on
// the bridge before the network started is the operator's, and stays.
TEST_F(HookOvsTest, AnAddressTheHostHadBeforeStaysWhenTheNetworkStops) {
  sandbox_->Vsctl({"add-br", "ovs-sw0", "--", "set", "Bridge", "ovs-sw0", "datapath_type=netdev"});
  std::string addr;
  for (int i = 0; i < 100 && KernelMtu("ovs-sw0") == "absent"; ++i) std::this_thread::sleep_for(50ms);
  Ip({"addr", "add", "10.100.0.1/16", "dev", "ovs-sw0"});
  NetworkSpec spec = Spec({"198.18.0.2"});
  spec.address = Cidr::Parse("10.100.0.1/16");
  std::string err;
  ASSERT_EQ(Hook("start", HookData(spec), nullptr, &err), 0) << err;
  ASSERT_EQ(Hook("stopped", HookData(spec), nullptr, &err), 0) << err;
  test::Run({"ip", "-n", ns_, "-o", "addr", "show", "dev", "ovs-sw0"}, &addr);
  EXPECT_NE(addr.find("10.100.0.1/16"), std::string::npos) << "stop removed the operator's address: " << addr;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");  // the operator's bridge stays too
  EXPECT_EQ(Tunnels(), 0);
}

}  // namespace
}  // namespace vxnet::test
