#include "xml/network_spec.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace vxnet {
namespace {

NetworkSpec Valid() {
  NetworkSpec s;
  s.peers = {*IpAddress::Parse("198.18.0.2"), *IpAddress::Parse("198.18.0.3")};
  return s;
}

// The first error's text, or "" when the spec is valid.
std::string FirstError(const NetworkSpec& s) {
  auto errors = ValidateSpec(s);
  return errors.empty() ? "" : errors.front().what();
}

TEST(ValidateSpec, DefaultsWithPeersAreValid) {
  EXPECT_EQ(FirstError(Valid()), "");
  NetworkSpec s = Valid();
  s.vni = kMaxVni;
  s.dst_port = 65535;
  s.mtu = kMaxMtu;
  EXPECT_EQ(FirstError(s), "");
}

TEST(ValidateSpec, BridgeNameOver15CharactersNamesValueAndLimit) {
  NetworkSpec s = Valid();
  s.bridge = "ovs-sw0-too-long";  // 16
  EXPECT_EQ(FirstError(s),
            "bridge name 'ovs-sw0-too-long': is 16 characters, the kernel allows at most 15; choose a shorter name");
  s.bridge = "ovs-sw0-15chars";  // exactly 15
  EXPECT_EQ(FirstError(s), "");
}

TEST(ValidateSpec, InterfaceNameCharacters) {
  for (const char* bad : {"a b", "a/b", "a:b", "br%d", ".", "..", "tab\tx", "\xc3\xa9t\xc3\xa9"}) {
    NetworkSpec s = Valid();
    s.bridge = bad;
    EXPECT_NE(FirstError(s), "") << bad;
  }
}

TEST(ValidateSpec, VniRange) {
  NetworkSpec s = Valid();
  s.vni = 16777216;
  EXPECT_EQ(FirstError(s), "VNI '16777216': must be between 0 and 16777215 (24 bits)");
}

TEST(ValidateSpec, PortRange) {
  NetworkSpec s = Valid();
  s.dst_port = 70000;
  EXPECT_EQ(FirstError(s),
            "UDP destination port '70000': must be between 1 and 65535; VXLAN's IANA port is 4789");
  s.dst_port = 0;
  EXPECT_NE(FirstError(s), "");
}

TEST(ValidateSpec, PeersRequiredUniqueAndUnicast) {
  NetworkSpec s = Valid();
  s.peers.clear();
  EXPECT_EQ(FirstError(s), "peers: at least one peer is required; add --peer IP");

  s = Valid();
  s.peers.push_back(*IpAddress::Parse("198.18.0.2"));
  EXPECT_EQ(FirstError(s), "peer 3 '198.18.0.2': is listed twice; peers must be unique; remove the duplicate");

  for (const char* bad : {"0.0.0.0", "224.0.0.1", "255.255.255.255", "::", "ff02::1"}) {
    s = Valid();
    s.peers = {*IpAddress::Parse(bad)};
    EXPECT_NE(FirstError(s), "") << bad;
  }
}

TEST(ValidateSpec, MixedFamiliesAllowedWithoutLocalIp) {
  NetworkSpec s = Valid();
  s.peers.push_back(*IpAddress::Parse("2001:db8::2"));
  EXPECT_EQ(FirstError(s), "");
  s.local_ip = IpAddress::Parse("198.18.0.1");
  EXPECT_NE(FirstError(s).find("local tunnel IP's family"), std::string::npos);
}

TEST(ValidateSpec, LocalIpIsNotAPeer) {
  NetworkSpec s = Valid();
  s.local_ip = IpAddress::Parse("198.18.0.2");
  EXPECT_NE(FirstError(s).find("equals the local tunnel IP"), std::string::npos);
}

TEST(ValidateSpec, NetworkName) {
  for (const char* bad : {"", "-x", "a b", "a;rm -rf /", "x/y", "$(id)"}) {
    NetworkSpec s = Valid();
    s.name = bad;
    EXPECT_NE(FirstError(s).find("network name"), std::string::npos) << bad;
  }
  NetworkSpec s = Valid();
  s.name = std::string(kMaxNetworkNameLen + 1, 'a');
  EXPECT_NE(FirstError(s), "");
}

TEST(ValidateSpec, MtuRange) {
  NetworkSpec s = Valid();
  s.mtu = 67;
  EXPECT_EQ(FirstError(s), "MTU '67': must be between 68 and 65535");
  s.mtu = 65536;
  EXPECT_NE(FirstError(s), "");
}

TEST(ValidateSpec, AddressAndAttachedBridge) {
  NetworkSpec s = Valid();
  s.address = Cidr::Parse("0.0.0.0/8");
  EXPECT_NE(FirstError(s), "");
  s = Valid();
  s.attach_bridge = "ovs-sw0";
  EXPECT_NE(FirstError(s).find("is the OVS bridge itself"), std::string::npos);
  s.attach_bridge = "docker0-is-too-long";
  EXPECT_NE(FirstError(s), "");
}

TEST(ValidateSpec, Uuid) {
  NetworkSpec s = Valid();
  s.uuid = "1adc16c0-55b5-4979-a19e-baffae8afee5";
  EXPECT_EQ(FirstError(s), "");
  s.uuid = "1adc16c0-55b5-4979-a19e-baffae8afee";
  EXPECT_NE(FirstError(s), "");
}

TEST(ParseDecimal, StrictDigitsOnly) {
  EXPECT_EQ(ParseDecimal("VNI", "16777216"), 16777216u);
  for (const char* bad : {"", "-1", "+1", "1e3", "0x10", " 1", "99999999999999999999999"})
    EXPECT_THROW(ParseDecimal("VNI", bad), Error) << bad;
  EXPECT_EQ(ParseMtuSetting("MTU", "auto"), std::nullopt);
  EXPECT_EQ(ParseMtuSetting("MTU", "1450"), 1450);
  EXPECT_THROW(ParseMtuSetting("MTU", "70000"), Error);
}

}  // namespace
}  // namespace vxnet

namespace vxnet {
namespace {

// Every numeric bound, on both sides of the edge.
TEST(Bounds, EveryNumberAtAndBeyondItsLimit) {
  auto valid = [](auto mutate) {
    NetworkSpec s;
    s.peers = {*IpAddress::Parse("198.18.0.2")};
    mutate(s);
    return ValidateSpec(s).empty();
  };
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.vni = 0; }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.vni = 16777215; }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.vni = 16777216; }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.vni = UINT64_MAX; }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.dst_port = 0; }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.dst_port = 1; }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.dst_port = 65535; }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.dst_port = 65536; }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.mtu = 67; }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.mtu = 68; }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.mtu = 65535; }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.mtu = 65536; }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.bridge = std::string(15, 'b'); }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.bridge = std::string(16, 'b'); }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.name = std::string(64, 'n'); }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.name = std::string(65, 'n'); }));
  EXPECT_TRUE(valid([](NetworkSpec& s) {
    s.peers.clear();
    for (std::size_t i = 0; i < kMaxPeers; ++i)
      s.peers.push_back(*IpAddress::Parse("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1"));
  }));
  EXPECT_FALSE(valid([](NetworkSpec& s) {
    s.peers.clear();
    for (std::size_t i = 0; i <= kMaxPeers; ++i)
      s.peers.push_back(*IpAddress::Parse("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1"));
  }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.address = Cidr::Parse("10.100.0.1/32"); }));
  EXPECT_TRUE(valid([](NetworkSpec& s) { s.address = Cidr::Parse("fd00::1/128"); }));
  EXPECT_FALSE(valid([](NetworkSpec& s) { s.address = Cidr::Parse("10.100.0.1/0"); }));
}

}  // namespace
}  // namespace vxnet
