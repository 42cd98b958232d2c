// vxnet-hook as libvirt runs it (argv, stdin, cleared environment aside)
// against a private Open vSwitch.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "ovs_sandbox.h"

namespace vxnet::test {
namespace {

using namespace std::chrono_literals;

class HookOvsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    sandbox_ = OvsSandbox::Start(true, &reason);
    if (!sandbox_) GTEST_SKIP() << reason;
    config_ = sandbox_->dir() + "/vxnet.conf";
    std::ofstream(config_) << "# test config\novsdb = " << sandbox_->endpoint() << "\ntimeout = 10\n";
  }

  // Runs the hook for `op` with a captured hookData file; returns exit status.
  int Hook(const std::string& op, const std::string& fixture, std::string* out = nullptr, std::string* err = nullptr) {
    setenv("VXNET_CONFIG", config_.c_str(), 1);
    unsetenv("VXNET_OVSDB");
    const std::string sub = op == "stopped" ? "end" : "begin";
    return test::Run({VXNET_HOOK, "vxnet0", op, sub, "-"}, out, std::string(VXNET_TEST_DATA) + "/" + fixture, err);
  }

  std::unique_ptr<OvsSandbox> sandbox_;
  std::string config_;
};

TEST_F(HookOvsTest, StartBuildsTheOverlayStoppedRemovesIt) {
  std::string out, err;
  ASSERT_EQ(Hook("start", "hookdata/start.xml", &out, &err), 0) << err;
  EXPECT_EQ(err, "");
  EXPECT_NE(out.find("create bridge ovs-sw0"), std::string::npos) << out;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "ovs-sw0");
  EXPECT_EQ(sandbox_->Vsctl({"get", "Bridge", "ovs-sw0", "datapath_type"}), "netdev");
  const std::string tunnels =
      sandbox_->Vsctl({"--bare", "--columns=options", "find", "Interface", "type=vxlan"});
  EXPECT_NE(tunnels.find("key=100 remote_ip=198.18.0.2"), std::string::npos) << tunnels;
  EXPECT_NE(tunnels.find("key=100 remote_ip=198.18.0.3"), std::string::npos) << tunnels;

  EXPECT_EQ(Hook("started", "hookdata/started.xml"), 0);
  EXPECT_EQ(Hook("port-created", "hookdata/port-created.xml"), 0);
  EXPECT_EQ(Hook("start", "hookdata/start.xml", &out), 0);  // again: nothing to do
  EXPECT_NE(out.find("0 change(s)"), std::string::npos) << out;

  ASSERT_EQ(Hook("stopped", "hookdata/stopped.xml", &out, &err), 0) << err;
  EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "");
  EXPECT_EQ(Hook("stopped", "hookdata/stopped.xml", &out, &err), 0) << err;  // idempotent
  EXPECT_EQ(err, "");
}

TEST_F(HookOvsTest, UnmanagedNetworkLeavesOvsdbUntouched) {
  const std::string before = sandbox_->Vsctl({"show"});
  const std::string in = sandbox_->dir() + "/hookdata.xml";
  std::ifstream corpus(std::string(VXNET_TEST_DATA) + "/libvirt-networkxml/openvswitch-net.xml");
  std::ofstream(in) << "<hookData>" << corpus.rdbuf() << "</hookData>";
  setenv("VXNET_CONFIG", config_.c_str(), 1);
  std::string err;
  EXPECT_EQ(test::Run({VXNET_HOOK, "openvswitch-net", "start", "begin", "-"}, nullptr, in, &err), 0);
  EXPECT_EQ(err, "");
  EXPECT_EQ(sandbox_->Vsctl({"show"}), before);
}

TEST_F(HookOvsTest, StalledOvsdbFailsStartWithinTheConfiguredTimeout) {
  const std::string path = sandbox_->dir() + "/stalled.sock";
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  std::ofstream(config_) << "ovsdb = unix:" << path << "\ntimeout = 1\n";
  const auto t0 = std::chrono::steady_clock::now();
  std::string err;
  EXPECT_EQ(Hook("start", "hookdata/start.xml", nullptr, &err), 1);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(err, "vxnet: OVSDB server 'unix:" + path +
                     "': did not answer 'get_schema' within 1000 ms; check that ovsdb-server is running and not stalled");
  EXPECT_LT(elapsed, 2s);
  close(listener);
}

}  // namespace
}  // namespace vxnet::test
