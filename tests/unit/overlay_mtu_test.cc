#include "net/overlay_mtu.h"

#include <gtest/gtest.h>

#include "fake_host.h"

namespace vxnet::net {
namespace {

NetworkSpec Spec(std::vector<std::string> peers, std::optional<int> mtu = std::nullopt) {
  NetworkSpec s;
  for (const auto& p : peers) s.peers.push_back(*IpAddress::Parse(p));
  s.mtu = mtu;
  return s;
}

std::string ErrorOf(const NetworkSpec& spec, test::FakeHost& host) {
  try {
    ComputeOverlayMtu(spec, host);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(OverlayMtu, TheTable) {
  test::FakeHost host;
  host.path_mtu = {{"198.18.0.2", 1500}, {"198.18.0.3", 9000}, {"2001:db8::2", 1500}, {"2001:db8::3", 9000}};
  EXPECT_EQ(ComputeOverlayMtu(Spec({"198.18.0.2"}), host).mtu, 1450);   // underlay 1500
  EXPECT_EQ(ComputeOverlayMtu(Spec({"198.18.0.3"}), host).mtu, 8950);   // jumbo
  EXPECT_EQ(ComputeOverlayMtu(Spec({"2001:db8::2"}), host).mtu, 1430);  // IPv6 peer
  EXPECT_EQ(ComputeOverlayMtu(Spec({"198.18.0.3", "2001:db8::3"}), host).mtu, 8930);
  EXPECT_EQ(ComputeOverlayMtu(Spec({"198.18.0.3", "198.18.0.2", "2001:db8::3"}), host).mtu, 1450);  // minimum
}

TEST(OverlayMtu, OwnAddressesAreSkipped) {
  test::FakeHost host;
  host.local = {*IpAddress::Parse("198.18.0.1")};
  host.path_mtu = {{"198.18.0.2", 9000}};  // no route entry for itself needed
  OverlayMtu o = ComputeOverlayMtu(Spec({"198.18.0.1", "198.18.0.2"}), host);
  EXPECT_EQ(o.mtu, 8950);
  EXPECT_EQ(o.own_addresses, host.local);
}

TEST(OverlayMtu, DeclaredMtuAtOrBelowTheLimitWinsAboveIsRefused) {
  test::FakeHost host;
  host.path_mtu = {{"198.18.0.2", 1500}};
  EXPECT_EQ(ComputeOverlayMtu(Spec({"198.18.0.2"}, 1400), host).mtu, 1400);
  EXPECT_EQ(ComputeOverlayMtu(Spec({"198.18.0.2"}, 1450), host).mtu, 1450);
  EXPECT_EQ(ErrorOf(Spec({"198.18.0.2"}, 1500), host),
            "network 'vxnet0' MTU '1500': exceeds the overlay MTU 1450 that the path to peer 198.18.0.2 carries "
            "(underlay MTU 1500 minus 50 bytes of VXLAN overhead); declare mtu='1450' or less, or raise the underlay MTU");
}

TEST(OverlayMtu, PeerWithoutRouteIsRefusedUnlessAnMtuIsDeclared) {
  test::FakeHost host;
  host.path_mtu = {{"198.18.0.2", 1500}};
  EXPECT_EQ(ErrorOf(Spec({"198.18.0.2", "203.0.113.9"}), host),
            "network 'vxnet0' peer '203.0.113.9': has no route from this host, so the overlay MTU cannot be derived; "
            "add a route to the peer, or declare mtu='N' on the vxnet:overlay element");
  OverlayMtu o = ComputeOverlayMtu(Spec({"198.18.0.2", "203.0.113.9"}, 1400), host);
  EXPECT_EQ(o.mtu, 1400);
  ASSERT_EQ(o.warnings.size(), 1u);
  EXPECT_NE(o.warnings[0].find("203.0.113.9 has no route"), std::string::npos);
}

}  // namespace
}  // namespace vxnet::net
