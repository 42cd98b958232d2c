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

// An IPv4-mapped IPv6 address is the IPv4 address it maps: one peer, one
// route (IPv4's), one tunnel identity, written to OVS in IPv4 form.
TEST(IpAddress, Ipv4MappedIsTheIpv4Address) {
  for (const char* mapped : {"::ffff:198.18.0.2", "::FFFF:198.18.0.2", "0:0:0:0:0:ffff:c612:2", "::ffff:c612:0002"}) {
    auto ip = IpAddress::Parse(mapped);
    ASSERT_TRUE(ip) << mapped;
    EXPECT_TRUE(ip->is_v4()) << mapped;
    EXPECT_EQ(ip->ToString(), "198.18.0.2") << mapped;
    EXPECT_EQ(*ip, *IpAddress::Parse("198.18.0.2")) << mapped;
  }
  EXPECT_TRUE(IpAddress::Parse("::ffff:0.0.0.0")->IsUnspecified());
  EXPECT_TRUE(IpAddress::Parse("::ffff:239.1.1.1")->IsMulticast());
  // Neighbours of the mapped range are IPv6 addresses of their own.
  for (const char* v6 : {"::198.18.0.2", "64:ff9b::198.18.0.2", "::fffe:198.18.0.2", "1::ffff:198.18.0.2", "::ffff:0:c612:2"})
    EXPECT_FALSE(IpAddress::Parse(v6)->is_v4()) << v6;
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

// A mapped address's prefix counts the 96 bits of its IPv6 form; one that
// ends inside them covers more than IPv4 addresses and is no IPv4 prefix.
TEST(Cidr, Ipv4MappedIsTheIpv4Prefix) {
  EXPECT_EQ(Cidr::Parse("::ffff:10.100.0.1/112")->ToString(), "10.100.0.1/16");
  EXPECT_EQ(*Cidr::Parse("::ffff:10.100.0.1/128"), *Cidr::Parse("10.100.0.1/32"));
  EXPECT_EQ(Cidr::Parse("::ffff:10.100.0.1/96")->prefix_length, 0);
  EXPECT_FALSE(Cidr::Parse("::ffff:10.100.0.1/95").has_value());
  EXPECT_FALSE(Cidr::Parse("::ffff:10.100.0.1/24").has_value());
}

}  // namespace
}  // namespace vxnet
