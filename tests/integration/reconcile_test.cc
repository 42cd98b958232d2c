// The reconcile against a real ovsdb-server and ovs-vswitchd (userspace
// datapath) in a private sandbox. What is asserted is what an operator
// would check with ovs-vsctl.
#include "ovs/reconcile.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "ovs_sandbox.h"

namespace vxnet::ovs {
namespace {

using namespace std::chrono_literals;
using test::OvsSandbox;

NetworkSpec Spec(std::vector<std::string> peers, std::string name = "vxnet0", std::string bridge = "ovs-sw0",
                 std::uint64_t vni = 100) {
  NetworkSpec s;
  s.name = std::move(name);
  s.bridge = std::move(bridge);
  s.vni = vni;
  s.datapath = Datapath::kNetdev;
  for (const auto& p : peers) s.peers.push_back(*IpAddress::Parse(p));
  return s;
}

std::vector<std::string> Peers(int n, int first = 1) {
  std::vector<std::string> out;
  for (int i = first; i < first + n; ++i) out.push_back("198.18." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2));
  return out;
}

class ReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(true); }

  void Start(bool with_vswitchd) {
    std::string reason;
    sandbox_ = OvsSandbox::Start(with_vswitchd, &reason);
    if (!sandbox_) GTEST_SKIP() << reason;
  }

  OvsdbClient Client() { return OvsdbClient::Connect(Endpoint::Parse(sandbox_->endpoint()), Deadline::After(5s)); }

  ReconcileReport Apply(const NetworkSpec& spec, std::optional<int> mtu = std::nullopt) {
    OvsdbClient c = Client();
    return Reconcile(c, DesiredFromSpec(spec, mtu), Deadline::After(10s));
  }

  std::string Vsctl(std::vector<std::string> args) { return sandbox_->Vsctl(std::move(args)); }
  std::set<std::string> PortsOf(const std::string& bridge) {
    std::set<std::string> out;
    std::string list = Vsctl({"list-ports", bridge});
    for (std::size_t pos = 0; pos < list.size();) {
      auto nl = list.find('\n', pos);
      out.insert(list.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    out.erase("");
    return out;
  }
  std::string TunnelOf(const std::string& peer, std::uint32_t vni = 100) {
    return TunnelName(*IpAddress::Parse(peer), vni, 4789, std::nullopt);
  }

  std::unique_ptr<OvsSandbox> sandbox_;
};

TEST_F(ReconcileTest, FromNothingBuildsBridgeLocalPortAndTunnels) {
  ReconcileReport r = Apply(Spec({"198.18.0.2", "198.18.0.3"}), 1450);
  EXPECT_TRUE(r.changed());
  EXPECT_EQ(r.attempts, 1);

  EXPECT_EQ(Vsctl({"br-exists", "ovs-sw0"}), "");
  EXPECT_EQ(Vsctl({"get", "Bridge", "ovs-sw0", "datapath_type"}), "netdev");
  EXPECT_EQ(Vsctl({"get", "Interface", "ovs-sw0", "type"}), "internal");
  EXPECT_EQ(Vsctl({"get", "Interface", "ovs-sw0", "mtu_request"}), "1450");
  EXPECT_EQ(Vsctl({"get", "Port", "ovs-sw0", "name"}), "ovs-sw0");
  const std::string t2 = TunnelOf("198.18.0.2");
  EXPECT_EQ(PortsOf("ovs-sw0"), (std::set<std::string>{t2, TunnelOf("198.18.0.3")}));
  EXPECT_EQ(t2.size(), 15u);
  EXPECT_EQ(Vsctl({"get", "Interface", t2, "type"}), "vxlan");
  EXPECT_EQ(Vsctl({"get", "Interface", t2, "options:remote_ip"}), "\"198.18.0.2\"");
  EXPECT_EQ(Vsctl({"get", "Interface", t2, "options:key"}), "\"100\"");
  EXPECT_EQ(Vsctl({"get", "Port", t2, "protected"}), "true");
  EXPECT_EQ(Vsctl({"get", "Port", t2, "external_ids:vxnet-network"}), "vxnet0");
  // ovs-vswitchd applied it: the tunnel has a port number and no error.
  EXPECT_NE(Vsctl({"get", "Interface", t2, "ofport"}), "-1");
  EXPECT_EQ(Vsctl({"get", "Interface", t2, "error"}), "[]");
  // The internal interface became a kernel netdev in vswitchd's namespace.
  std::string link;
  EXPECT_EQ(test::Run({"ip", "-n", sandbox_->netns(), "link", "show", "ovs-sw0"}, &link), 0) << link;
}

TEST_F(ReconcileTest, SecondRunChangesNothing) {
  Apply(Spec(Peers(3)), 1450);
  const std::string before = Vsctl({"--columns=_uuid,name", "list", "Interface"}) + Vsctl({"--columns=_uuid", "list", "Bridge"});
  ReconcileReport again = Apply(Spec(Peers(3)), 1450);
  EXPECT_FALSE(again.changed());
  EXPECT_EQ(again.attempts, 0);
  EXPECT_EQ(Vsctl({"--columns=_uuid,name", "list", "Interface"}) + Vsctl({"--columns=_uuid", "list", "Bridge"}), before);
}

TEST_F(ReconcileTest, DroppedPeerLosesItsPortOthersKeepTheirRows) {
  Apply(Spec({"198.18.0.2", "198.18.0.3", "198.18.0.4"}));
  const std::string kept_uuid = Vsctl({"get", "Interface", TunnelOf("198.18.0.2"), "_uuid"});
  ReconcileReport r = Apply(Spec({"198.18.0.2", "198.18.0.4"}));
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0], "remove port " + TunnelOf("198.18.0.3"));
  EXPECT_EQ(PortsOf("ovs-sw0"), (std::set<std::string>{TunnelOf("198.18.0.2"), TunnelOf("198.18.0.4")}));
  EXPECT_EQ(Vsctl({"get", "Interface", TunnelOf("198.18.0.2"), "_uuid"}), kept_uuid);
}

TEST_F(ReconcileTest, ForeignPortsAndBridgesAreNeverTouched) {
  Vsctl({"add-br", "br-op", "--", "set", "Bridge", "br-op", "datapath_type=netdev"});
  Vsctl({"add-port", "br-op", "op-port", "--", "set", "Interface", "op-port", "type=internal"});
  Apply(Spec({"198.18.0.2"}));
  // A guest tap as libvirt plugs it, and an operator's own port.
  Vsctl({"add-port", "ovs-sw0", "vnet0", "--", "set", "Interface", "vnet0", "type=internal",
         "external-ids:iface-id=7d16b9e8", "external-ids:attached-mac=52:54:00:e8:6a:6e"});
  Vsctl({"add-port", "ovs-sw0", "op-mirror", "--", "set", "Interface", "op-mirror", "type=internal"});
  Apply(Spec({"198.18.0.3"}));
  EXPECT_EQ(PortsOf("ovs-sw0"), (std::set<std::string>{"vnet0", "op-mirror", TunnelOf("198.18.0.3")}));
  EXPECT_EQ(PortsOf("br-op"), (std::set<std::string>{"op-port"}));

  // Teardown removes our tunnel; the bridge stays while others' ports remain.
  OvsdbClient c = Client();
  Teardown(c, "vxnet0", "ovs-sw0", Deadline::After(10s));
  EXPECT_EQ(PortsOf("ovs-sw0"), (std::set<std::string>{"vnet0", "op-mirror"}));
  EXPECT_EQ(PortsOf("br-op"), (std::set<std::string>{"op-port"}));
}

TEST_F(ReconcileTest, TeardownRemovesOwnBridgeAndIsIdempotent) {
  Apply(Spec(Peers(2)));
  OvsdbClient c = Client();
  ReconcileReport r = Teardown(c, "vxnet0", "ovs-sw0", Deadline::After(10s));
  EXPECT_TRUE(r.changed());
  EXPECT_EQ(Vsctl({"list-br"}), "");
  ReconcileReport again = Teardown(c, "vxnet0", "ovs-sw0", Deadline::After(10s));
  EXPECT_FALSE(again.changed());
}

TEST_F(ReconcileTest, TeardownKeepsABridgeVxnetDidNotCreate) {
  Vsctl({"add-br", "ovs-sw0", "--", "set", "Bridge", "ovs-sw0", "datapath_type=netdev"});
  Apply(Spec(Peers(2)));
  EXPECT_EQ(PortsOf("ovs-sw0").size(), 2u);
  OvsdbClient c = Client();
  Teardown(c, "vxnet0", "ovs-sw0", Deadline::After(10s));
  EXPECT_EQ(Vsctl({"list-br"}), "ovs-sw0");
  EXPECT_TRUE(PortsOf("ovs-sw0").empty());
}

TEST_F(ReconcileTest, MisnamedLocalInterfaceIsReportedNotPatched) {
  // What NetworkManager makes when its ovs-port/ovs-interface names differ.
  Vsctl({"--", "--id=@i", "create", "Interface", "name=ovs-sw0-if", "type=internal", "--", "--id=@p", "create", "Port",
         "name=ovs-sw0-port", "interfaces=@i", "--", "--id=@b", "create", "Bridge", "name=ovs-sw0", "ports=@p",
         "datapath_type=netdev", "--", "add", "Open_vSwitch", ".", "bridges", "@b"});
  try {
    Apply(Spec({"198.18.0.2"}));
    FAIL() << "misnamed local port accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("port 'ovs-sw0-port' / interface 'ovs-sw0-if'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rename both to 'ovs-sw0'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(PortsOf("ovs-sw0"), (std::set<std::string>{"ovs-sw0-port"}));
}

TEST_F(ReconcileTest, ForeignDuplicateTunnelIsNamedNotDeleted) {
  // The manual setup's vxlan0, made before vxnet was installed.
  Vsctl({"add-br", "ovs-sw0", "--", "set", "Bridge", "ovs-sw0", "datapath_type=netdev"});
  Vsctl({"add-port", "ovs-sw0", "vxlan0", "--", "set", "Interface", "vxlan0", "type=vxlan",
         "options:remote_ip=198.18.0.2", "options:key=100"});
  try {
    Apply(Spec({"198.18.0.2"}));
    FAIL() << "duplicate tunnel accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tunnel 'vxlan0'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ovs-vsctl del-port vxlan0"), std::string::npos) << e.what();
  }
  EXPECT_EQ(PortsOf("ovs-sw0"), (std::set<std::string>{"vxlan0"}));
}

// What ovs-vswitchd refuses only once the transaction is committed: the
// bridge's name is taken by a kernel link (a Linux bridge left from before
// OVS), so it cannot make the local port. The run fails with vswitchd's
// own words, and the tunnels, which it did make, are not blamed.
TEST_F(ReconcileTest, WhatOvsVswitchdRefusesAfterTheCommitIsReported) {
  ASSERT_EQ(test::Run({"ip", "-n", sandbox_->netns(), "link", "add", "ovs-sw0", "type", "bridge"}), 0);
  try {
    Apply(Spec({"198.18.0.2", "198.18.0.3"}));
    FAIL() << "a bridge ovs-vswitchd could not make was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bridge interface 'ovs-sw0'"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("198.18.0."), std::string::npos) << "a good tunnel was blamed: " << e.what();
  }
}

// The network's bridge renamed while it runs (vxnetctl apply of a new
// definition): its tunnels move to the new bridge in one change, and
// ovs-vswitchd, which at first refuses such a move ("File exists"), ends
// with every tunnel working there.
TEST_F(ReconcileTest, RenamedBridgeGetsTheTunnelsWorking) {
  Apply(Spec({"198.18.0.2", "198.18.0.3"}, "vxnet0", "ovs-a"));
  Apply(Spec({"198.18.0.2", "198.18.0.3"}, "vxnet0", "ovs-b"));
  EXPECT_EQ(PortsOf("ovs-b"), (std::set<std::string>{TunnelOf("198.18.0.2"), TunnelOf("198.18.0.3")}));
  for (const auto& peer : {"198.18.0.2", "198.18.0.3"}) {
    EXPECT_EQ(Vsctl({"get", "Interface", TunnelOf(peer), "error"}), "[]") << peer;
    EXPECT_NE(Vsctl({"get", "Interface", TunnelOf(peer), "ofport"}), "-1") << peer;
  }
  EXPECT_EQ(Vsctl({"list-br"}), "ovs-b") << "the former bridge, left empty, was kept";

  // A former bridge that still carries a guest's tap is kept, with the tap.
  Vsctl({"add-port", "ovs-b", "vnet0", "--", "set", "Interface", "vnet0", "type=internal"});
  Apply(Spec({"198.18.0.2", "198.18.0.3"}, "vxnet0", "ovs-c"));
  EXPECT_EQ(PortsOf("ovs-b"), (std::set<std::string>{"vnet0"}));
  EXPECT_EQ(PortsOf("ovs-c"), (std::set<std::string>{TunnelOf("198.18.0.2"), TunnelOf("198.18.0.3")}));
  EXPECT_EQ(Vsctl({"get", "Interface", TunnelOf("198.18.0.2"), "error"}), "[]");
}

TEST_F(ReconcileTest, TwoNetworksOnOneHostAndABridgeAnotherNetworkOwns) {
  Apply(Spec({"198.18.0.2"}, "net-a", "ovs-a", 1));
  Apply(Spec({"198.18.0.2"}, "net-b", "ovs-b", 2));
  EXPECT_EQ(PortsOf("ovs-a").size(), 1u);
  EXPECT_EQ(PortsOf("ovs-b").size(), 1u);
  EXPECT_NE(*PortsOf("ovs-a").begin(), *PortsOf("ovs-b").begin());
  try {
    Apply(Spec({"198.18.0.3"}, "net-c", "ovs-a", 3));
    FAIL() << "bridge of another network accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to vxnet network 'net-a'"), std::string::npos) << e.what();
  }
}

TEST_F(ReconcileTest, FourConcurrentRunsEndInTheDeclaredState) {
  const NetworkSpec spec = Spec(Peers(16));
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      try {
        Apply(spec, 1450);
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(Vsctl({"list-br"}), "ovs-sw0");
  EXPECT_EQ(PortsOf("ovs-sw0").size(), 16u);
  EXPECT_FALSE(Apply(spec, 1450).changed());
}

TEST_F(ReconcileTest, SigkillAtAnyMomentLeavesOldOrNewStateNeverPart) {
  // Two declared states that differ in every tunnel; a child process flips
  // between them and is killed at random moments.
  const NetworkSpec a = Spec(Peers(64, 0)), b = Spec(Peers(64, 100));
  auto owned_ports = [&] {
    std::set<std::string> ports;
    std::string out = Vsctl({"--bare", "--columns=name", "find", "Port", "external_ids:vxnet-network=vxnet0"});
    for (std::size_t pos = 0; pos < out.size();) {
      auto nl = out.find('\n', pos);
      std::string name = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (!name.empty() && name != "ovs-sw0") ports.insert(name);
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    return ports;
  };
  auto names_of = [&](const NetworkSpec& s) {
    std::set<std::string> names;
    for (const auto& t : DesiredFromSpec(s, std::nullopt).tunnels) names.insert(t.name);
    return names;
  };
  const auto names_a = names_of(a), names_b = names_of(b);
  std::mt19937 rng(20261126);
  int saw_a = 0, saw_b = 0;
  for (int round = 0; round < 12; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int i = 0; i < 50; ++i) {
        try {
          Apply(i % 2 ? a : b);
        } catch (...) {
        }
      }
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 150)(rng)));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    const auto now = owned_ports();
    EXPECT_TRUE(now.empty() || now == names_a || now == names_b) << "partial state with " << now.size() << " tunnels";
    saw_a += now == names_a;
    saw_b += now == names_b;
  }
  EXPECT_GT(saw_a + saw_b, 0);
  std::fprintf(stderr, "kill rounds: saw_a=%d saw_b=%d empty=%d\n", saw_a, saw_b, 12 - saw_a - saw_b);
  // The next run converges.
  Apply(a);
  EXPECT_EQ(owned_ports(), names_a);
}

TEST_F(ReconcileTest, VswitchdAbsentIsReportedWithinTheDeadline) {
  sandbox_->StopVswitchd();
  OvsdbClient c = Client();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    Reconcile(c, DesiredFromSpec(Spec({"198.18.0.2"}), std::nullopt), Deadline::After(1500ms));
    FAIL() << "no error without ovs-vswitchd";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ovs-vswitchd"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("did not apply the committed change within 1500 ms"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  // The change is committed and waits for ovs-vswitchd.
  EXPECT_EQ(Vsctl({"list-br"}), "ovs-sw0");
  sandbox_->StartVswitchd();
  EXPECT_FALSE(Apply(Spec({"198.18.0.2"})).changed());
}

TEST_F(ReconcileTest, SchemaOfThisOpenVswitchIsAccepted) {
  OvsdbClient c = Client();
  EXPECT_NO_THROW(CheckSchema(c, Deadline::After(5s)));
}

TEST_F(ReconcileTest, EchoAndUnknownMethodErrors) {
  OvsdbClient c = Client();
  EXPECT_EQ(c.Call("echo", Json::array({"ping"}), Deadline::After(5s)), Json::array({"ping"}));
  EXPECT_THROW(c.Call("no_such_method", Json::array(), Deadline::After(5s)), Error);
}

// Without a sandbox: servers that are absent or never answer.
TEST(OvsdbFaults, AbsentServerFailsAtOnceWithTheEndpoint) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    OvsdbClient::Connect(Endpoint::Parse("unix:/nonexistent/db.sock"), Deadline::After(5s));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unix:/nonexistent/db.sock"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("is ovsdb-server running?"), std::string::npos);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(OvsdbFaults, ServerThatAcceptsAndNeverAnswersTimesOut) {
  char dir[] = "/tmp/vxnet-stall-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  {
    test::SilentServer server(std::string(dir) + "/db.sock");
    const auto t0 = std::chrono::steady_clock::now();
    try {
      OvsdbClient c = OvsdbClient::Connect(Endpoint::Parse(server.endpoint()), Deadline::After(300ms));
      c.Call("echo", Json::array(), Deadline::After(300ms));
      FAIL() << "a silent server did not time out";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("did not answer 'echo' within 300 ms"), std::string::npos) << e.what();
    }
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(elapsed, 290ms);
    EXPECT_LT(elapsed, 1s);
  }
  rmdir(dir);
}

// A one-connection fake OVSDB: accepts, reads one request, then answers
// `reply` (possibly partial) and closes.
class FakeOvsdb {
 public:
  explicit FakeOvsdb(std::string reply) : reply_(std::move(reply)) {
    char dir[] = "/tmp/vxnet-fake-XXXXXX";
    dir_ = mkdtemp(dir);
    path_ = dir_ + "/db.sock";
    listener_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listener_, 1);
    thread_ = std::thread([this] {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      char buf[4096];
      // The fake server ignores how much went through (fortified glibc
      // warns on an unused result even through a (void) cast).
      [[maybe_unused]] const ssize_t got = read(fd, buf, sizeof buf);
      [[maybe_unused]] const ssize_t sent = write(fd, reply_.data(), reply_.size());
      close(fd);
    });
  }
  ~FakeOvsdb() {
    thread_.join();
    close(listener_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  std::string endpoint() const { return "unix:" + path_; }

 private:
  std::string reply_, dir_, path_;
  int listener_ = -1;
  std::thread thread_;
};

std::string CallError(const FakeOvsdb& server, const std::string& method) {
  try {
    OvsdbClient c = OvsdbClient::Connect(Endpoint::Parse(server.endpoint()), Deadline::After(2s));
    c.Call(method, Json::array(), Deadline::After(2s));
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OvsdbFaults, ServerClosingMidReplyIsAnErrorNotAHang) {
  FakeOvsdb server(R"({"id":1,"result":[{"rows":[{"na)");
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(CallError(server, "transact"),
            "OVSDB server '" + server.endpoint() + "': closed the connection before answering 'transact'");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(OvsdbFaults, ServerErrorsAreReportedWithTheirText) {
  FakeOvsdb server(R"({"id":1,"result":null,"error":{"error":"permission denied","details":"read-only"}})");
  const std::string error = CallError(server, "transact");
  EXPECT_NE(error.find("OVSDB request 'transact': failed: "), std::string::npos) << error;
  EXPECT_NE(error.find("permission denied"), std::string::npos) << error;
}

TEST(OvsdbFaults, ServerSendingGarbageIsRefused) {
  FakeOvsdb server("[1,2,3]");
  EXPECT_NE(CallError(server, "echo").find("a JSON-RPC message must be a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace vxnet::ovs
