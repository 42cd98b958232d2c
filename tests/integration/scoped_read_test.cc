// The scoped read and the round trips of a run, against a real ovsdb-server
// and ovs-vswitchd: what each run costs in round trips, and that rows the
// scoped read does not select still stop the run with the refusal a read of
// whole tables gives, changing nothing.
#include <gtest/gtest.h>

#include "ovs/reconcile.h"
#include "ovs_sandbox.h"

namespace vxnet::ovs {
namespace {

using namespace std::chrono_literals;
using test::OvsSandbox;

NetworkSpec Spec(std::vector<std::string> peers, std::string name = "vxnet0", std::string bridge = "ovs-sw0") {
  NetworkSpec s;
  s.name = std::move(name);
  s.bridge = std::move(bridge);
  s.vni = 100;
  s.datapath = Datapath::kNetdev;
  for (const auto& p : peers) s.peers.push_back(*IpAddress::Parse(p));
  return s;
}

class ScopedReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    sandbox_ = OvsSandbox::Start(true, &reason);
    if (!sandbox_) GTEST_SKIP() << reason;
  }
  OvsdbClient Client() { return OvsdbClient::Connect(Endpoint::Parse(sandbox_->endpoint()), Deadline::After(5s)); }
  std::string Vsctl(std::vector<std::string> args) { return sandbox_->Vsctl(std::move(args)); }
  std::string Tunnel(const std::string& peer) { return TunnelName(*IpAddress::Parse(peer), 100, 4789, std::nullopt); }
  // The refusal of a reconcile, or "" when it succeeds.
  std::string Refusal(const NetworkSpec& spec) {
    OvsdbClient c = Client();
    try {
      Reconcile(c, DesiredFromSpec(spec, 1450), Deadline::After(10s));
      return "";
    } catch (const Error& e) {
      return e.what();
    }
  }
  std::unique_ptr<OvsSandbox> sandbox_;
};

TEST_F(ScopedReadTest, RoundTripsOfEachKindOfRun) {
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2", "198.18.0.3"}), 1450);
  {
    OvsdbClient c = Client();  // read, transaction, wait for ovs-vswitchd with its verdict
    ReconcileReport r = Reconcile(c, d, Deadline::After(10s));
    EXPECT_TRUE(r.changed());
    EXPECT_EQ(c.round_trips(), 3) << r.timings;
  }
  {
    OvsdbClient c = Client();  // read: nothing to change, verified on what was read
    ReconcileReport r = Reconcile(c, d, Deadline::After(10s));
    EXPECT_FALSE(r.changed());
    EXPECT_EQ(c.round_trips(), 1) << r.timings;
    EXPECT_NE(r.timings.find("round_trips=1"), std::string::npos) << r.timings;
  }
  {
    OvsdbClient c = Client();  // port-created with the MTU right
    EXPECT_FALSE(EnsureBridgeMtu(c, "vxnet0", "ovs-sw0", 1450, Deadline::After(10s)).changed());
    EXPECT_EQ(c.round_trips(), 1);
  }
  Vsctl({"set", "Interface", "ovs-sw0", "mtu_request=1500"});
  {
    OvsdbClient c = Client();  // and after drift
    EXPECT_TRUE(EnsureBridgeMtu(c, "vxnet0", "ovs-sw0", 1450, Deadline::After(10s)).changed());
    EXPECT_EQ(c.round_trips(), 3);
    EXPECT_EQ(Vsctl({"get", "Interface", "ovs-sw0", "mtu_request"}), "1450");
  }
  {
    OvsdbClient c = Client();  // the verification at 'started'
    const OvsState state = ReadState(c, ScopeFor(d), Deadline::After(10s));
    EXPECT_NO_THROW(VerifyNetwork(c, d, state, Deadline::After(10s)));
    EXPECT_EQ(c.round_trips(), 1);
  }
  {
    OvsdbClient c = Client();
    EXPECT_TRUE(Teardown(c, "vxnet0", "ovs-sw0", Deadline::After(10s)).changed());
    EXPECT_EQ(c.round_trips(), 3);
    EXPECT_EQ(Vsctl({"list-br"}), "");
  }
}

// The hook sends its first read before looking up the routes, and plans
// on the answer later. A read sent ahead is used only for the scope it
// read, and one that is stale by then ends as the current state would.
TEST_F(ScopedReadTest, AReadSentAheadIsUsedOnlyForItsScopeAndOnlyWhileItHolds) {
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  {
    OvsdbClient c = Client();  // another network's read: not used, its answer skipped
    const PendingRead other = StartRead(c, ScopeFor(DesiredFromSpec(Spec({"198.18.0.3"}, "other", "br-other"), 1450)),
                                        Deadline::After(10s));
    ReconcileReport r = Reconcile(c, d, Deadline::After(10s), &other);
    EXPECT_TRUE(r.changed());
    EXPECT_EQ(c.round_trips(), 3) << r.timings;
    EXPECT_EQ(Vsctl({"list-br"}), "ovs-sw0");
  }
  {
    OvsdbClient c = Client();  // its own read: one round trip in all
    const PendingRead own = StartRead(c, ScopeFor(d), Deadline::After(10s));
    EXPECT_FALSE(Reconcile(c, d, Deadline::After(10s), &own).changed());
    EXPECT_EQ(c.round_trips(), 1);
  }
  Vsctl({"del-br", "ovs-sw0"});
  {
    // Read from nothing; then an operator makes the bridge with a port of
    // their own. The plan made on the stale read fails on OVSDB and is made
    // again on what is there: the refusal, and nothing of vxnet's.
    OvsdbClient c = Client();
    const PendingRead stale = StartRead(c, ScopeFor(d), Deadline::After(10s));
    OvsdbClient probe = Client();
    EXPECT_TRUE(ReadState(probe, ScopeFor(d), Deadline::After(10s)).bridges.empty());  // the read above is answered
    Vsctl({"add-br", "ovs-sw0", "--", "set", "Bridge", "ovs-sw0", "datapath_type=netdev", "--", "add-port", "ovs-sw0",
           "op0", "--", "set", "Interface", "op0", "type=internal"});
    try {
      Reconcile(c, d, Deadline::After(10s), &stale);
      ADD_FAILURE() << "a bridge carrying a foreign port was taken over";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("op0"), std::string::npos) << e.what();
    }
    // The stale read, the commit OVSDB refused, the read of whole tables.
    EXPECT_EQ(c.round_trips(), 3);
    EXPECT_EQ(Vsctl({"list-ports", "ovs-sw0"}), "op0");
    EXPECT_EQ(Vsctl({"--bare", "--columns=name", "find", "Interface", "type=vxlan"}), "");
  }
}

TEST_F(ScopedReadTest, GuestTapsOnTheBridgeCostTwoMoreReadsAndKeepItAtTeardown) {
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  OvsdbClient first = Client();
  Reconcile(first, d, Deadline::After(10s));
  Vsctl({"add-port", "ovs-sw0", "vnet0", "--", "set", "Interface", "vnet0", "type=internal",
         "external-ids:attached-mac=52:54:00:e8:6a:6e", "external-ids:iface-status=active"});
  OvsdbClient c = Client();
  EXPECT_FALSE(Reconcile(c, d, Deadline::After(10s)).changed());
  EXPECT_EQ(c.round_trips(), 3);  // the read, the taps' ports, their interfaces
  OvsdbClient t = Client();
  Teardown(t, "vxnet0", "ovs-sw0", Deadline::After(10s));
  EXPECT_EQ(Vsctl({"list-ports", "ovs-sw0"}), "vnet0");
}

TEST_F(ScopedReadTest, AForeignPortWithATunnelsNameOnAnotherBridgeIsRefusedByName) {
  // Not selected by the scoped read: OVSDB's unique index refuses the
  // insert, and the run reads whole tables to say why.
  const std::string tunnel = Tunnel("198.18.0.2");
  Vsctl({"add-br", "br-op", "--", "set", "Bridge", "br-op", "datapath_type=netdev"});
  Vsctl({"add-port", "br-op", tunnel, "--", "set", "Interface", tunnel, "type=internal"});
  const std::string refusal = Refusal(Spec({"198.18.0.2"}));
  EXPECT_NE(refusal.find("port '" + tunnel + "': exists and was not made by vxnet"), std::string::npos) << refusal;
  EXPECT_EQ(Vsctl({"list-br"}), "br-op");
  EXPECT_EQ(Vsctl({"list-ports", "br-op"}), tunnel);
}

TEST_F(ScopedReadTest, AForeignDuplicateTunnelOnAnotherBridgeIsRefused) {
  Vsctl({"add-br", "br-op", "--", "set", "Bridge", "br-op", "datapath_type=netdev"});
  Vsctl({"add-port", "br-op", "vxlan0", "--", "set", "Interface", "vxlan0", "type=vxlan", "options:remote_ip=198.18.0.2",
         "options:key=100"});
  const std::string refusal = Refusal(Spec({"198.18.0.2"}));
  EXPECT_NE(refusal.find("tunnel 'vxlan0'"), std::string::npos) << refusal;
  EXPECT_EQ(Vsctl({"list-br"}), "br-op");
}

TEST_F(ScopedReadTest, AnotherNetworksTunnelOnTheBridgeIsRefused) {
  ASSERT_EQ(Refusal(Spec({"198.18.0.2"}, "net-a", "ovs-a")), "");
  // A port of net-b's on net-a's bridge: only the completion of the bridge
  // reads it.
  Vsctl({"add-port", "ovs-a", "vxother", "--", "set", "Port", "vxother", "external_ids:vxnet-network=net-b"});
  const std::string refusal = Refusal(Spec({"198.18.0.2", "198.18.0.3"}, "net-a", "ovs-a"));
  EXPECT_NE(refusal.find("carries tunnels of vxnet network 'net-b'"), std::string::npos) << refusal;
  EXPECT_EQ(Vsctl({"list-ports", "ovs-a"}).find(Tunnel("198.18.0.3")), std::string::npos);
}

TEST_F(ScopedReadTest, TunnelsLeftOnABridgeVxnetDidNotMakeAreFoundAndRemoved) {
  // The network moves from a bridge an operator made to a new one, with
  // other peers: its old tunnels are on no bridge the first read selects,
  // so the completion finds that bridge by the ports it holds.
  Vsctl({"add-br", "ovs-nm", "--", "set", "Bridge", "ovs-nm", "datapath_type=netdev"});
  ASSERT_EQ(Refusal(Spec({"198.18.0.2", "198.18.0.3"}, "vxnet0", "ovs-nm")), "");
  ASSERT_EQ(Vsctl({"list-ports", "ovs-nm"}).size(), 2 * Tunnel("198.18.0.2").size() + 1);
  ASSERT_EQ(Refusal(Spec({"198.18.0.4"}, "vxnet0", "ovs-new")), "");
  EXPECT_EQ(Vsctl({"list-ports", "ovs-nm"}), "");
  EXPECT_EQ(Vsctl({"list-ports", "ovs-new"}), Tunnel("198.18.0.4"));
  // Teardown by a bridge name that holds nothing finds them too.
  ASSERT_EQ(Refusal(Spec({"198.18.0.2"}, "vxnet0", "ovs-nm")), "");
  OvsdbClient c = Client();
  Teardown(c, "vxnet0", "ovs-elsewhere", Deadline::After(10s));
  EXPECT_EQ(Vsctl({"list-ports", "ovs-nm"}), "");
}

}  // namespace
}  // namespace vxnet::ovs
