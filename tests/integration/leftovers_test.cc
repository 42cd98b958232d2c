// What vxnetctl status and prune decide about vxnet's rows in OVS, through
// the engine, against a real ovsdb-server and ovs-vswitchd. libvirt's
// answers are the test's (a network active, inactive, or libvirt unable to
// say); the host's kernel is an in-memory fake.
#include <gtest/gtest.h>

#include <chrono>

#include "../unit/fake_host.h"
#include "engine/network_engine.h"
#include "ovs_sandbox.h"

namespace vxnet::engine {
namespace {

using namespace std::chrono_literals;

class LeftoversTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    sandbox_ = test::OvsSandbox::Start(true, &reason);
    if (!sandbox_) GTEST_SKIP() << reason;
    config_.ovsdb = sandbox_->endpoint();
    config_.state_dir = sandbox_->dir() + "/state";
    config_.timeout = 5000ms;
    host_.path_mtu["198.18.0.2"] = 1500;
    host_.local = {*IpAddress::Parse("198.18.0.1")};
    spec_.vni = 100;
    spec_.datapath = Datapath::kNetdev;
    spec_.peers = {*IpAddress::Parse("198.18.0.2")};
  }

  Context Ctx() { return Context::ForRun(config_, host_, Deadline::After(config_.timeout)); }

  // A start that made the network's rows and then never finished: libvirt
  // shows the network inactive, and no record is left.
  void LeaveRows() {
    Context ctx = Ctx();
    const Outcome o = StartNetwork(spec_, ctx);
    ASSERT_EQ(o.exit_status, 0) << o.message;
    RemoveRunRecord(config_.state_dir, spec_.name);
    ASSERT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");
  }

  std::unique_ptr<test::OvsSandbox> sandbox_;
  Config config_;
  test::FakeHost host_;
  NetworkSpec spec_;
};

TEST_F(LeftoversTest, StatusNamesTheRowsOfANetworkLibvirtDoesNotRun) {
  LeaveRows();
  Context ctx = Ctx();
  // Defined but inactive, stopped on purpose: only the leftovers speak.
  std::vector<NetworkStatus> s = InspectHost({{"vxnet0", "ovs-sw0", false, false, spec_, ""}}, {}, false, ctx);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].level, kWarning);
  ASSERT_EQ(s[0].problems.size(), 1u);
  EXPECT_NE(s[0].problems[0].find("network vxnet0 is not active, but vxnet's rows of it are still in OVS (bridge ovs-sw0"),
            std::string::npos)
      << s[0].problems[0];
  EXPECT_NE(s[0].problems[0].find("'vxnetctl prune' removes them"), std::string::npos);
  // Not defined at all any more.
  s = InspectHost({}, {}, false, ctx);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].network, "vxnet0");
  EXPECT_EQ(s[0].level, kWarning);
  // Asked for another network only: not this one's business.
  EXPECT_TRUE(InspectHost({}, {}, true, ctx).empty());
  // Nothing left: nothing said.
  Context stop = Ctx();
  ASSERT_EQ(StopNetwork(TargetFor("vxnet0", "ovs-sw0", &spec_, std::nullopt), stop).exit_status, 0);
  EXPECT_TRUE(InspectHost({{"vxnet0", "ovs-sw0", false, false, spec_, ""}}, {}, false, ctx).empty());
}

// libvirt that cannot say whether a network runs (virNetworkIsActive -1,
// libvirtd dying mid-call) is never taken for "inactive".
TEST_F(LeftoversTest, PruneLeavesAloneWhatLibvirtCannotAnswerFor) {
  LeaveRows();
  int asked = 0;
  auto answer = [&](LibvirtVerdict::State state) {
    return [&asked, state](const std::string& network) {
      ++asked;
      LibvirtVerdict v;
      v.state = state;
      if (state == LibvirtVerdict::State::kUnknown) v.why = "libvirt network '" + network + "': could not say whether it is active";
      return v;
    };
  };
  Context ctx = Ctx();
  PruneReport r = PruneNetworks(answer(LibvirtVerdict::State::kUnknown), true, ctx);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(r.outcome.exit_status, 0) << r.outcome.message;
  EXPECT_EQ(r.unknown, 1);
  EXPECT_EQ(r.pruned, 0);
  ASSERT_EQ(r.outcome.warnings.size(), 1u);
  EXPECT_NE(r.outcome.warnings[0].find("network vxnet0: left alone: libvirt could not say whether it runs"), std::string::npos);
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");
  EXPECT_NE(sandbox_->Vsctl({"--bare", "--columns=options", "find", "Interface", "type=vxlan"}).find("198.18.0.2"), std::string::npos)
      << "the tunnel must stay";

  r = PruneNetworks(answer(LibvirtVerdict::State::kActive), true, ctx);
  EXPECT_EQ(r.pruned + r.unknown, 0);
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");

  // A libvirt that lists no network at all is not the one that made them.
  r = PruneNetworks(answer(LibvirtVerdict::State::kInactive), false, ctx);
  EXPECT_EQ(r.outcome.exit_status, 1);
  EXPECT_NE(r.outcome.message.find("libvirt lists no networks at all"), std::string::npos) << r.outcome.message;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");

  r = PruneNetworks(answer(LibvirtVerdict::State::kInactive), true, ctx);
  EXPECT_EQ(r.outcome.exit_status, 0) << r.outcome.message;
  EXPECT_EQ(r.pruned, 1);
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
}

}  // namespace
}  // namespace vxnet::engine
