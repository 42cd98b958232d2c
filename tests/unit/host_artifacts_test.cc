#include "gen/host_artifacts.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

namespace vxnet::gen {
namespace {

NetworkSpec Spec(const std::string& name, std::vector<std::string> peers) {
  NetworkSpec s;
  s.name = name;
  s.vni = 100;
  for (const auto& p : peers) s.peers.push_back(*IpAddress::Parse(p));
  return s;
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(HostArtifacts, IfcfgSkipsTheHostsOwnAddressLikeTheHook) {
  const NetworkSpec s = Spec("vxnet0", {"198.18.0.1", "198.18.0.2", "198.18.0.3"});
  const auto all = HostArtifacts(s, HostFormat::kIfcfg);
  EXPECT_EQ(all.size(), 4u);  // the bridge and three tunnels
  const auto files = HostArtifacts(s, HostFormat::kIfcfg, {*IpAddress::Parse("198.18.0.1")});
  ASSERT_EQ(files.size(), 3u);
  for (const auto& f : files) {
    EXPECT_EQ(f.content.find("remote_ip=198.18.0.1 "), std::string::npos) << f.content;
    EXPECT_NE(f.content.find("\nNM_CONTROLLED=no\n"), std::string::npos) << f.name;
  }
}

TEST(HostArtifacts, FirewalldIsAPolicyNeverAZoneBindingThePeers) {
  const NetworkSpec s = Spec("vxnet0", {"198.18.0.2", "2001:db8::3"});
  const auto files = HostArtifacts(s, HostFormat::kFirewalld);
  ASSERT_EQ(files.size(), 1u);
  const std::string& xml = files[0].content;
  EXPECT_EQ(files[0].name, "vxnet-vxnet0.xml");
  EXPECT_EQ(xml.find("<zone"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<ingress-zone name=\"ANY\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<egress-zone name=\"HOST\"/>"), std::string::npos) << xml;
  EXPECT_EQ(Count(xml, "<accept/>"), 2);
  EXPECT_NE(xml.find("<rule family=\"ipv6\">\n    <source address=\"2001:db8::3\"/>"), std::string::npos) << xml;
}

TEST(HostArtifacts, FirewalldNamesAreValidAndDistinctForAnyNetworkName) {
  std::set<std::string> names;
  for (const char* n : {"vxnet0", "lab-net.2", "lab-net_2", "lab-net-2", "a-very-long-network-name-indeed", "x.y"}) {
    const std::string name = HostArtifacts(Spec(n, {"198.18.0.2"}), HostFormat::kFirewalld)[0].name;
    const std::string base = name.substr(0, name.size() - 4);
    EXPECT_LE(base.size(), 17u) << n;
    for (unsigned char c : base) EXPECT_TRUE(std::isalnum(c) || c == '_' || c == '-') << n << ": " << base;
    EXPECT_TRUE(names.insert(base).second) << n << " collides: " << base;
    EXPECT_EQ(name, HostArtifacts(Spec(n, {"198.18.0.3"}), HostFormat::kFirewalld)[0].name) << "not stable";
  }
}

TEST(HostArtifacts, NftablesDropsOnlyItsOwnVniFromStrangersAndAcceptsNothing) {
  const auto files = HostArtifacts(Spec("lab-net.2", {"198.18.0.2"}), HostFormat::kNftables);
  ASSERT_EQ(files.size(), 1u);
  const std::string& t = files[0].content;
  EXPECT_EQ(files[0].name, "vxnet_lab_net_2.nft");
  EXPECT_NE(t.find("udp dport 4789 @th,96,24 100 ip saddr != @peers4 counter drop"), std::string::npos) << t;
  EXPECT_EQ(t.find(" accept\n"), std::string::npos) << "an accept here overrides nothing: " << t;
}

}  // namespace
}  // namespace vxnet::gen
