#include "common/ip_address.h"

#include <gtest/gtest.h>

namespace vxnet {
namespace {

TEST(IpAddress, ParsesAndPrintsCanonically) {
  EXPECT_EQ(IpAddress::Parse("198.18.0.2")->ToString(), "198.18.0.2");
  EXPECT_EQ(IpAddress::Parse("2001:0db8:0000::0002")->ToString(), "2001:db8::2");
  EXPECT_TRUE(IpAddress::Parse("198.18.0.2")->is_v4());
  EXPECT_FALSE(IpAddress::Parse("::1")->is_v4());
  EXPECT_EQ(*IpAddress::Parse("::01"), *IpAddress::Parse("::1"));
}

TEST(IpAddress, RefusesWhatIsNotAnAddress) {
  for (const char* bad : {"300.1.1.1", "10.1", "", "1.2.3.4 ", "host.example", "1.2.3.4/24", "::g",
                          "01.2.3.4.5"})
    EXPECT_FALSE(IpAddress::Parse(bad).has_value()) << bad;
}

TEST(IpAddress, ClassifiesSpecialAddresses) {
  EXPECT_TRUE(IpAddress::Parse("0.0.0.0")->IsUnspecified());
  EXPECT_TRUE(IpAddress::Parse("::")->IsUnspecified());
  EXPECT_TRUE(IpAddress::Parse("239.1.1.1")->IsMulticast());
  EXPECT_TRUE(IpAddress::Parse("ff02::1")->IsMulticast());
  EXPECT_TRUE(IpAddress::Parse("255.255.255.255")->IsBroadcast());
  EXPECT_FALSE(IpAddress::Parse("198.18.0.2")->IsMulticast());
}

TEST(Cidr, ParsesPrefixes) {
  auto c = Cidr::Parse("10.100.0.1/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix_length, 16);
  EXPECT_EQ(c->ToString(), "10.100.0.1/16");
  EXPECT_EQ(Cidr::Parse("fd00::1/64")->ToString(), "fd00::1/64");
  for (const char* bad : {"10.100.0.1", "10.100.0.1/33", "fd00::1/129", "10.0.0.1/-1", "10.0.0.1/",
                          "10.0.0.1/1x", "/8"})
    EXPECT_FALSE(Cidr::Parse(bad).has_value()) << bad;
}

}  // namespace
}  // namespace vxnet
