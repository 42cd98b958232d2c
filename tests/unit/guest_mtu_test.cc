#include "engine/guest_mtu.h"

#include <gtest/gtest.h>

namespace vxnet::engine {
namespace {

DomainInterface Iface(std::optional<long long> mtu) {
  DomainInterface i;
  i.type = "network";
  i.network = "vxnet0";
  i.mac = "52:54:00:e8:6a:6e";
  i.mtu = mtu;
  return i;
}

TEST(GuestMtu, AboveTheOverlayIsRefusedNamingDomainMacDeclaredAndAllowed) {
  GuestVerdict v = CheckGuestInterface("vm0", Iface(9000), "vxnet0", 1450, GuestMtuPolicy::kWarn);
  ASSERT_TRUE(v.refusal);
  EXPECT_EQ(std::string(v.refusal->what()),
            "domain 'vm0' interface 52:54:00:e8:6a:6e MTU '9000': exceeds the overlay MTU 1450 of network 'vxnet0'; "
            "set <mtu size='1450'/> in the interface (vxnet-gen interface --network vxnet0 --mtu 1450)");
}

TEST(GuestMtu, AtOrBelowPasses) {
  EXPECT_FALSE(CheckGuestInterface("vm0", Iface(1450), "vxnet0", 1450, GuestMtuPolicy::kStrict).refusal);
  EXPECT_FALSE(CheckGuestInterface("vm0", Iface(1400), "vxnet0", 1450, GuestMtuPolicy::kStrict).refusal);
}

TEST(GuestMtu, NoMtuOnANarrowOverlayWarnsOrRefusesByPolicy) {
  GuestVerdict warn = CheckGuestInterface("vm0", Iface(std::nullopt), "vxnet0", 1450, GuestMtuPolicy::kWarn);
  EXPECT_FALSE(warn.refusal);
  ASSERT_EQ(warn.warnings.size(), 1u);
  EXPECT_NE(warn.warnings[0].find("vxnet-gen interface --network vxnet0 --mtu 1450"), std::string::npos);
  EXPECT_TRUE(CheckGuestInterface("vm0", Iface(std::nullopt), "vxnet0", 1450, GuestMtuPolicy::kStrict).refusal);
  // A 1500 overlay (jumbo underlay) needs nothing declared.
  GuestVerdict wide = CheckGuestInterface("vm0", Iface(std::nullopt), "vxnet0", 1500, GuestMtuPolicy::kStrict);
  EXPECT_FALSE(wide.refusal);
  EXPECT_TRUE(wide.warnings.empty());
}

TEST(GuestMtu, StrictNetworkWinsOverAWarnHost) {
  EXPECT_EQ(EffectivePolicy(GuestMtuPolicy::kStrict, GuestMtuPolicy::kWarn), GuestMtuPolicy::kStrict);
  EXPECT_EQ(EffectivePolicy(GuestMtuPolicy::kWarn, GuestMtuPolicy::kStrict), GuestMtuPolicy::kStrict);
  EXPECT_EQ(EffectivePolicy(GuestMtuPolicy::kWarn, GuestMtuPolicy::kWarn), GuestMtuPolicy::kWarn);
}

}  // namespace
}  // namespace vxnet::engine
