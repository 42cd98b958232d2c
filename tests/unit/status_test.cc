// vxnetctl status on plain data: the levels a monitoring system sees.
#include "ctl/status_format.h"
#include "engine/overlay.h"
#include "ovs/desired.h"

#include <gtest/gtest.h>

#include "fake_host.h"

namespace vxnet::engine {
namespace {

using ctl::FormatJson;
using ctl::FormatText;

using ovs::InterfaceRow;
using ovs::PortRow;

GuestOnNetwork Guest(const std::string& domain, const std::string& tap, const std::string& mac,
                     std::optional<long long> declared) {
  return {"vxnet0", domain, "", tap, mac, "", declared};
}

// A host and OVSDB holding exactly what `spec` declares at MTU 1450.
struct Healthy {
  NetworkSpec spec;
  ovs::OvsState state;
  test::FakeHost host;
  net::OverlayMtu overlay;

  Healthy() {
    spec.peers = {*IpAddress::Parse("198.18.0.2")};
    spec.bfd = true;
    overlay.mtu = 1450;
    state.root_uuid = "root";
    const auto desired = ovs::DesiredFromSpec(spec, 1450);
    ovs::BridgeRow br{"br", "ovs-sw0", "system", {}, {{kOwnerKey, "vxnet0"}}};
    AddPort(br, "ovs-sw0", "internal", {}, {{kOwnerKey, "vxnet0"}}, false, 1450);
    const auto& t = desired.tunnels[0];
    AddPort(br, t.name, "vxlan", t.Options(), {{kOwnerKey, "vxnet0"}, {kPeerKey, "198.18.0.2"}}, true, std::nullopt,
            t.Bfd(), {{"state", "up"}});
    AddPort(br, "vnet0", "", {}, {}, false);
    state.bridges["br"] = br;
    host.links = {{"ovs-sw0", {1450, true, "", ""}}, {"vnet0", {1450, true, "tun", ""}}};
  }
  void AddPort(ovs::BridgeRow& br, const std::string& name, const std::string& type, const ovs::StringMap& options,
               const ovs::StringMap& ids, bool is_protected, std::optional<std::int64_t> mtu = std::nullopt,
               const ovs::StringMap& bfd = {}, const ovs::StringMap& bfd_status = {}) {
    state.interfaces["if-" + name] = InterfaceRow{"if-" + name, name, type, options, ids, mtu, "", 1, "up", bfd, bfd_status};
    state.ports["p-" + name] = PortRow{"p-" + name, name, {"if-" + name}, is_protected, ids};
    br.ports.push_back("p-" + name);
  }
  NetworkStatus Inspect(const InspectInputs& inputs = {}) { return InspectState(spec, overlay, state, host, inputs); }
};

TEST(Status, AHealthyNetworkIsOk) {
  Healthy h;
  NetworkStatus s = h.Inspect();
  EXPECT_EQ(s.level, kOk) << FormatText(s);
  ASSERT_EQ(s.tunnels.size(), 1u);
  EXPECT_EQ(s.tunnels[0].bfd_state, "up");
  ASSERT_EQ(s.taps.size(), 1u);
  EXPECT_EQ(s.taps[0].name, "vnet0");
  EXPECT_NE(FormatJson({s}).find("\"status\": \"OK\""), std::string::npos);
}

TEST(Status, LevelsForEachKindOfProblem) {
  {
    Healthy h;  // a tap below the overlay MTU: works, but wastes capacity
    h.host.links["vnet0"].mtu = 1400;
    EXPECT_EQ(h.Inspect().level, kWarning);
  }
  {
    Healthy h;  // a tap above it: its large packets vanish
    h.host.links["vnet0"].mtu = 1500;
    NetworkStatus s = h.Inspect();
    EXPECT_EQ(s.level, kCritical);
    EXPECT_NE(FormatText(s).find("guest tap vnet0 MTU 1500 exceeds the overlay MTU 1450"), std::string::npos);
  }
  {
    Healthy h;  // BFD says the peer is gone
    for (auto& [uuid, i] : h.state.interfaces)
      if (i.type == "vxlan") i.bfd_status["state"] = "down";
    NetworkStatus s = h.Inspect();
    EXPECT_EQ(s.level, kWarning);
    EXPECT_NE(FormatText(s).find("peer 198.18.0.2 unreachable (BFD down)"), std::string::npos) << FormatText(s);
  }
  {
    Healthy h;  // the bridge netdev is gone
    h.host.links.erase("ovs-sw0");
    EXPECT_EQ(h.Inspect().level, kCritical);
  }
  {
    Healthy h;  // a peer added to the definition but not to OVS: drift
    h.spec.peers.push_back(*IpAddress::Parse("198.18.0.3"));
    NetworkStatus s = h.Inspect();
    EXPECT_EQ(s.level, kCritical);
    ASSERT_EQ(s.drift.size(), 1u);
    EXPECT_EQ(s.drift[0].rfind("add tunnel ", 0), 0u);
  }
}

// Running guests as libvirt shows them: what each declares, its tap, and
// whether OVS still has the tap; the fix named where there is one.
TEST(Status, GuestsAreSeenWithWhatTheyDeclare) {
  auto inspect = [](std::optional<long long> declared, bool in_ovs = true) {
    Healthy h;
    if (!in_ovs) {
      for (auto& [uuid, b] : h.state.bridges) std::erase(b.ports, "p-vnet0");
      h.state.ports.erase("p-vnet0");
    }
    InspectInputs in;
    in.guests = {Guest("vm1", "vnet0", "52:54:00:00:01:01", declared)};
    return h.Inspect(in);
  };
  NetworkStatus ok = inspect(1450);
  EXPECT_EQ(ok.level, kOk) << FormatText(ok);
  ASSERT_EQ(ok.taps.size(), 1u);
  EXPECT_EQ(ok.taps[0].domain, "vm1");
  EXPECT_NE(FormatText(ok).find("guest tap vnet0 (vm1 52:54:00:00:01:01): mtu 1450, declared 1450"), std::string::npos)
      << FormatText(ok);
  EXPECT_NE(FormatJson({ok}).find("\"declared_mtu\": 1450"), std::string::npos);

  NetworkStatus none = inspect(std::nullopt);  // made with virt-manager
  EXPECT_EQ(none.level, kWarning);
  EXPECT_NE(FormatText(none).find("domain 'vm1' interface 52:54:00:00:01:01 declares no MTU: the guest assumes 1500 on "
                                  "this 1450 overlay and loses larger packets; 'vxnetctl adopt vm1' sets it, effective at "
                                  "the guest's next start"),
            std::string::npos)
      << FormatText(none);

  NetworkStatus big = inspect(9000);  // hot-plugged with 9000
  EXPECT_EQ(big.level, kCritical);
  EXPECT_NE(FormatText(big).find("declares MTU 9000, above the overlay MTU 1450"), std::string::npos);

  NetworkStatus lost = inspect(1450, false);  // OVS lost the port
  EXPECT_EQ(lost.level, kCritical);
  EXPECT_NE(FormatText(lost).find("guest tap vnet0 of domain 'vm1' is not plugged into bridge ovs-sw0"), std::string::npos)
      << FormatText(lost);
}

// Two interfaces with one MAC on the overlay: both lose frames. Each is
// named; distinct MACs (in any case) and one guest's own interface are not.
TEST(Status, OneMacOnTwoInterfacesIsCriticalAndNamesBoth) {
  Healthy h;
  h.AddPort(h.state.bridges["br"], "vnet1", "", {}, {}, false);
  h.host.links["vnet1"] = {1450, true, "tun", ""};
  InspectInputs in;
  in.guests = {Guest("vm1", "vnet0", "52:54:00:00:01:01", 1450), Guest("vm2", "vnet1", "52:54:00:00:01:02", 1450)};
  EXPECT_EQ(h.Inspect(in).level, kOk) << FormatText(h.Inspect(in));
  InspectInputs twice;  // one interface seen twice is one interface
  twice.guests = {in.guests[0], in.guests[0]};
  EXPECT_EQ(h.Inspect(twice).level, kOk) << FormatText(h.Inspect(twice));

  in.guests[1].mac = "52:54:00:00:01:01";  // vm2 copied from vm1's XML
  NetworkStatus s = h.Inspect(in);
  EXPECT_EQ(s.level, kCritical);
  EXPECT_NE(FormatText(s).find("MAC 52:54:00:00:01:01 is used by 2 interfaces on network vxnet0: domain 'vm1' (tap "
                               "vnet0) and domain 'vm2' (tap vnet1); frames for one reach the other, give each its own MAC"),
            std::string::npos)
      << FormatText(s);

  in.guests[1].mac = "52:54:00:00:01:0A";
  in.guests[0].mac = "52:54:00:00:01:0a";  // the same MAC written in another case
  EXPECT_EQ(h.Inspect(in).level, kCritical);
}

// The MTU is decided at start; a changed underlay shows, with the fix.
TEST(Status, AnUnderlayChangedSinceStartIsReported) {
  Healthy h;
  InspectInputs in;
  in.recorded_mtu = 1450;
  h.overlay.mtu = 1400;  // the underlay shrank
  NetworkStatus s = h.Inspect(in);
  EXPECT_EQ(s.level, kCritical);
  EXPECT_EQ(s.overlay_mtu, 1450);
  EXPECT_NE(FormatText(s).find("the underlay now gives overlay MTU 1400, the network runs at 1450"), std::string::npos);
  h.overlay.mtu = 8950;  // a jumbo underlay now
  EXPECT_EQ(h.Inspect(in).level, kWarning);
}

// After a reboot OVS still lists the port of a guest that did not stop
// cleanly, its tap gone. It is libvirt's: a warning naming the fix, and
// nothing else of the bridge's that has no kernel device is reported.
TEST(Status, AGuestPortWhoseTapIsGoneIsReportedNotTouched) {
  Healthy h;
  ovs::BridgeRow& br = h.state.bridges["br"];
  h.AddPort(br, "vnet3", "", {}, {}, false);
  h.state.interfaces["if-vnet3"].external_ids = {{"attached-mac", "52:54:00:00:01:11"}, {"iface-id", "x"}};
  h.state.interfaces["if-vnet3"].error = "could not open network device vnet3 (No such device)";
  h.state.interfaces["if-vnet3"].ofport = -1;
  // No kernel device either, and healthy: a patch port, a guest's vhost-user port.
  h.AddPort(br, "patch-x", "patch", {}, {}, false);
  h.AddPort(br, "vhu0", "dpdkvhostuserclient", {}, {}, false);
  h.state.interfaces["if-vhu0"].external_ids = {{"attached-mac", "52:54:00:00:01:12"}, {"iface-id", "y"}};
  NetworkStatus s = h.Inspect();
  EXPECT_EQ(s.level, kWarning) << FormatText(s);
  ASSERT_EQ(s.problems.size(), 1u) << FormatText(s);
  EXPECT_EQ(s.problems[0],
            "port vnet3 on bridge ovs-sw0 is a guest's, and its tap no longer exists (left in OVS by a guest that did not "
            "stop cleanly, e.g. across a reboot); vxnet leaves libvirt's ports alone: 'ovs-vsctl del-port ovs-sw0 vnet3' "
            "removes it");
  h.host.links["vnet3"] = {1450, true, "tun", ""};  // the tap exists: an ordinary tap
  EXPECT_EQ(h.Inspect().level, kOk) << FormatText(h.Inspect());
}

// A network that is not active: reported only when it should run.
TEST(Status, AnInactiveNetworkIsCriticalWhenMarkedAutostartOrStillInUse) {
  EXPECT_FALSE(Inactive("vxnet0", "ovs-sw0", false, {}).has_value()) << "stopped on purpose, nothing attached";

  std::optional<NetworkStatus> autostart = Inactive("vxnet0", "ovs-sw0", true, {});
  ASSERT_TRUE(autostart.has_value());
  EXPECT_EQ(autostart->level, kCritical);
  EXPECT_EQ(FormatText(*autostart),
            "network vxnet0: CRITICAL\n"
            "  bridge ovs-sw0: not inspected\n"
            "  ! network vxnet0 is marked autostart but not active (stopped by hand, or OVS was not running when "
            "libvirtd started); 'vxnetctl reconcile --all' starts it\n");
  // Machines read the same: nothing looked at, so no bridge MTU to miss.
  const std::string json = FormatJson({*autostart});
  EXPECT_NE(json.find("\"inspected\": false"), std::string::npos) << json;
  EXPECT_NE(FormatJson({Healthy().Inspect()}).find("\"inspected\": true"), std::string::npos);

  std::optional<NetworkStatus> in_use = Inactive("vxnet0", "ovs-sw0", false, {Guest("vmx", "vnet2", "52:54:00:00:01:11", 1450)});
  ASSERT_TRUE(in_use.has_value());
  EXPECT_EQ(in_use->level, kCritical);
  ASSERT_EQ(in_use->problems.size(), 1u);
  EXPECT_EQ(in_use->problems[0],
            "domain 'vmx' interface 52:54:00:00:01:11 (tap vnet2) is on network vxnet0, which is not active: the guest "
            "is cut off from the overlay until it starts ('virsh net-start vxnet0')");
}

// br-int is shared by every OVN network and ovn-controller: a port on it
// that is none of this network's guests (another network's guest, OVN's
// host port of another network) is not reported as this network's tap.
// The full-mesh bridge is the network's own: there it is.
TEST(Status, OnASharedIntegrationBridgeOnlyTheNetworksOwnGuestsAreJudged) {
  Healthy h;
  h.AddPort(h.state.bridges["br"], "vxh0123456789ab", "internal", {}, {}, false);
  h.host.links["vxh0123456789ab"] = {1500, true, "tun", ""};
  NetworkStatus mesh = h.Inspect();
  EXPECT_EQ(mesh.level, kCritical) << FormatText(mesh);
  ASSERT_EQ(mesh.taps.size(), 2u) << FormatText(mesh);

  h.spec.mode = NetworkMode::kOvn;
  NetworkStatus ovn = h.Inspect();
  for (const auto& t : ovn.taps) EXPECT_NE(t.name, "vxh0123456789ab") << FormatText(ovn);
  for (const auto& p : ovn.problems) EXPECT_EQ(p.find("vxh0123456789ab"), std::string::npos) << p;
  // A running guest of this network is still judged there.
  InspectInputs in;
  in.guests = {Guest("vm1", "vnet0", "52:54:00:00:01:01", 9000)};
  ovn = h.Inspect(in);
  EXPECT_EQ(ovn.level, kCritical) << FormatText(ovn);
  ASSERT_EQ(ovn.taps.size(), 1u);
  EXPECT_EQ(ovn.taps[0].name, "vnet0");
}

}  // namespace
}  // namespace vxnet::engine
