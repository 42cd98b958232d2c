// The netlink HostNetwork against the real kernel, each test in a network
// namespace of its own (unshared by the test process, so nothing outside it
// is seen or touched, and it vanishes with the process), checked with
// iproute2's own view of what was made.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "common/error.h"
#include "net/host_network.h"

namespace vxnet::net {
namespace {

class NetlinkHostNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace";
    original_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(original_, 0);
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET) failed";
    host_ = MakeNetlinkHostNetwork();
  }
  void TearDown() override {
    host_.reset();
    if (original_ >= 0) {
      EXPECT_EQ(setns(original_, CLONE_NEWNET), 0);
      close(original_);
    }
  }

  // iproute2 in this namespace (the child inherits it); its output.
  static std::string Ip(const std::string& args) {
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen(("ip " + args + " 2>&1").c_str(), "r"), pclose);
    std::string out;
    std::array<char, 512> buf{};
    while (p && fgets(buf.data(), buf.size(), p.get())) out += buf.data();
    return out;
  }
  static void MustIp(const std::string& args) {
    ASSERT_EQ(system(("ip " + args).c_str()), 0) << "ip " << args;
  }
  static bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

  int original_ = -1;
  std::unique_ptr<HostNetwork> host_;
};

TEST_F(NetlinkHostNetworkTest, AddressesAreAddedListedAndRemovedAsIpShowsThem) {
  MustIp("link add n0 type veth peer name n1");
  const Cidr v4 = *Cidr::Parse("10.77.0.1/24"), v6 = *Cidr::Parse("fd00:77::1/64");
  host_->EnsureAddress("n0", v4);
  host_->EnsureAddress("n0", v6);
  host_->EnsureAddress("n0", v4);  // already there
  const std::string addrs = Ip("-o address show dev n0");
  EXPECT_TRUE(Has(addrs, "inet 10.77.0.1/24 scope global n0")) << addrs;
  EXPECT_TRUE(Has(addrs, "inet6 fd00:77::1/64 scope global")) << addrs;
  EXPECT_EQ(addrs.find("10.77.0.1"), addrs.rfind("10.77.0.1")) << "added twice: " << addrs;
  EXPECT_TRUE(Has(Ip("-o link show n0"), ",UP")) << "EnsureAddress sets the link up";
  EXPECT_TRUE(host_->Link("n0")->up);

  const auto local = host_->LocalAddresses();
  EXPECT_NE(std::find(local.begin(), local.end(), v4.address), local.end());
  EXPECT_NE(std::find(local.begin(), local.end(), v6.address), local.end());

  host_->RemoveAddress("n0", v4);
  host_->RemoveAddress("n0", v6);
  host_->RemoveAddress("n0", v4);         // already gone
  host_->RemoveAddress("no-such-if", v4);  // gone with its link
  const std::string after = Ip("-o address show dev n0");
  EXPECT_FALSE(Has(after, "10.77.0.1")) << after;
  EXPECT_FALSE(Has(after, "fd00:77::1")) << after;
  const auto left = host_->LocalAddresses();
  EXPECT_EQ(std::find(left.begin(), left.end(), v4.address), left.end());

  try {
    host_->EnsureAddress("no-such-if", v4);
    ADD_FAILURE() << "an address on a missing interface was not refused";
  } catch (const Error& e) {
    EXPECT_TRUE(Has(e.what(), "'no-such-if'")) << e.what();
  }
}

TEST_F(NetlinkHostNetworkTest, LinkReportsMtuStateKindAndMaster) {
  MustIp("link add br7 type bridge");
  MustIp("link add n0 type veth peer name n1");
  MustIp("link set n1 mtu 1400 master br7");
  MustIp("link set br7 up");
  const auto n1 = host_->Link("n1");
  ASSERT_TRUE(n1);
  EXPECT_EQ(n1->mtu, 1400);
  EXPECT_EQ(n1->kind, "veth");
  EXPECT_EQ(n1->master, "br7");
  EXPECT_FALSE(n1->up);
  const auto br = host_->Link("br7");
  ASSERT_TRUE(br);
  EXPECT_EQ(br->kind, "bridge");
  EXPECT_TRUE(br->up);
  EXPECT_EQ(br->master, "");
  EXPECT_EQ(host_->Link("lo")->kind, "");
  EXPECT_FALSE(host_->Link("no-such-if"));
  EXPECT_FALSE(host_->Link("a-name-too-long-for-linux"));
}

TEST_F(NetlinkHostNetworkTest, VethToBridgeIsMadeOnceConfiguredAndDeletedWithItsPeer) {
  MustIp("link add br7 type bridge");
  host_->EnsureVethToBridge("vxo7", "vxb7", "br7", 1400);
  std::string o = Ip("-o link show vxo7"), b = Ip("-o link show vxb7");
  EXPECT_TRUE(Has(o, "vxo7@vxb7:")) << o;
  EXPECT_TRUE(Has(o, "mtu 1400")) << o;
  EXPECT_TRUE(Has(o, ",UP")) << o;
  EXPECT_TRUE(Has(b, "mtu 1400")) << b;
  EXPECT_TRUE(Has(b, "master br7")) << b;
  EXPECT_TRUE(Has(b, ",UP")) << b;
  EXPECT_FALSE(Has(o, "master")) << "the OVS end joins no Linux bridge: " << o;

  host_->EnsureVethToBridge("vxo7", "vxb7", "br7", 1450);  // exists: only reconfigured
  EXPECT_TRUE(Has(Ip("-o link show vxo7"), "mtu 1450"));
  EXPECT_TRUE(Has(Ip("-o link show vxb7"), "mtu 1450"));
  host_->EnsureVethToBridge("vxo7", "vxb7", "br7", 0);  // 0: MTU left alone
  EXPECT_TRUE(Has(Ip("-o link show vxb7"), "mtu 1450"));

  host_->DeleteLink("vxo7");
  EXPECT_FALSE(host_->Link("vxo7"));
  EXPECT_FALSE(host_->Link("vxb7")) << "the veth's peer outlived it";
  host_->DeleteLink("vxo7");  // already gone

  try {
    host_->EnsureVethToBridge("vxo7", "vxb7", "no-such-br", 1400);
    ADD_FAILURE() << "a missing bridge was not refused";
  } catch (const Error& e) {
    EXPECT_TRUE(Has(e.what(), "'no-such-br'")) << e.what();
  }
  EXPECT_FALSE(host_->Link("vxo7")) << "nothing is made for a missing bridge";

  // A bridge name that is not a Linux bridge: the end cannot be enslaved.
  MustIp("link add n0 type veth peer name n1");
  try {
    host_->EnsureVethToBridge("vxo8", "vxb8", "n0", 1400);
    ADD_FAILURE() << "a veth end was enslaved to a veth";
  } catch (const Error& e) {
    EXPECT_TRUE(Has(e.what(), "'vxb8'")) << e.what();
    EXPECT_TRUE(Has(e.what(), "check that 'n0' is a Linux bridge")) << e.what();
  }
}

TEST_F(NetlinkHostNetworkTest, PathMtuIsTheRoutesMetricElseItsDevicesMtu) {
  MustIp("link add n0 type veth peer name n1");
  MustIp("link set n0 mtu 1400 up");
  MustIp("link set n1 up");
  MustIp("address add 198.18.0.1/24 dev n0");
  MustIp("route add 198.20.0.0/24 dev n0 mtu 1300");
  const auto a = IpAddress::Parse("198.18.0.2"), b = IpAddress::Parse("198.20.0.9"), c = IpAddress::Parse("203.0.113.1");
  EXPECT_EQ(host_->PathMtu(*a), 1400);
  EXPECT_EQ(host_->PathMtu(*b), 1300);
  EXPECT_EQ(host_->PathMtu(*c), std::nullopt) << "no default route here";
  const auto all = host_->PathMtus({*a, *b, *c, *a});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0], 1400);
  EXPECT_EQ(all[1], 1300);
  EXPECT_EQ(all[2], std::nullopt);
  EXPECT_EQ(all[3], 1400);
}

}  // namespace
}  // namespace vxnet::net
