// OVN mode on plain data: the metadata, the chassis settings rule, the
// Northbound plans (switch, ports, migration, leaving), interfaceid pinning.
#include <gtest/gtest.h>

#include "ovn/chassis.h"
#include "ovn/northbound.h"
#include "xml/interface_pin.h"
#include "xml/network_xml.h"

namespace vxnet {
namespace {

using ovs::StringMap;

NetworkSpec OvnSpec() {
  NetworkSpec s;
  s.mode = NetworkMode::kOvn;
  s.bridge = kOvnDefaultBridge;
  s.ovn.nb = "tcp:198.18.0.100:6641";
  s.ovn.sb = "tcp:198.18.0.100:6642";
  s.datapath = Datapath::kNetdev;
  s.address = Cidr::Parse("10.100.0.1/16");
  return s;
}

TEST(OvnMetadata, RoundTripsAndWritesOnlyWhatOvnModeUses) {
  NetworkSpec s = OvnSpec();
  s.ovn.encap = Encap::kVxlan;
  s.ovn.logical_switch = "tenant-a";
  const std::string xml = FormatNetworkXml(s);
  EXPECT_NE(xml.find("mode=\"ovn\""), std::string::npos);
  EXPECT_EQ(xml.find("vni="), std::string::npos);
  EXPECT_EQ(xml.find("dst-port="), std::string::npos);
  const LibvirtNetwork parsed = ParseNetworkXml(xml);
  ASSERT_TRUE(parsed.spec) << parsed.metadata_error->what();
  EXPECT_EQ(*parsed.spec, s);
  EXPECT_TRUE(ValidateNetwork(parsed).empty());
  EXPECT_EQ(parsed.spec->logical_switch(), "tenant-a");
}

TEST(OvnMetadata, UrlsMayComeFromTheConfigAndTheSwitchIsNamedLikeTheNetwork) {
  NetworkSpec s = OvnSpec();
  s.ovn.nb.clear();
  s.ovn.sb.clear();
  EXPECT_TRUE(ValidateSpec(s).empty());
  EXPECT_EQ(s.logical_switch(), "vxnet0");
}

TEST(OvnMetadata, FullMeshSettingsAreRefusedInOvnMode) {
  NetworkSpec s = OvnSpec();
  s.peers = {*IpAddress::Parse("198.18.0.2")};
  s.vni = 100;
  s.bfd = true;
  const auto errors = ValidateSpec(s);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_STREQ(errors[0].what(), "peers '1': are not used in OVN mode; OVN finds the other hosts and makes the tunnels itself; remove it");
  EXPECT_EQ(errors[1].object(), "VNI");
  EXPECT_EQ(errors[2].object(), "bfd");
}

TEST(OvnMetadata, RemotesAreCheckedLikeOvnsOwnTools) {
  EXPECT_FALSE(CheckOvsdbRemotes("nb", "tcp:10.0.0.1:6641,tcp:[2001:db8::1]:6641,unix:/run/ovn/ovnnb_db.sock"));
  for (const char* bad : {"tcp:10.0.0.1", "tcp:host.example:6641", "tcp:10.0.0.1:0", "tcp:10.0.0.1:70000", "10.0.0.1:6641",
                          "tcp:10.0.0.1:6641,", "ssl:10.0.0.1:6641"})
    EXPECT_TRUE(CheckOvsdbRemotes("nb", bad)) << bad;
  NetworkSpec s = OvnSpec();
  s.ovn.sb = "ssl:198.18.0.100:6642";
  ASSERT_EQ(ValidateSpec(s).size(), 1u);
  EXPECT_NE(std::string(ValidateSpec(s)[0].what()).find("ssl: remotes are not supported"), std::string::npos);
}

TEST(OvnMetadata, AnUnknownModeIsAMetadataErrorOfAManagedNetwork) {
  std::string xml = FormatNetworkXml(OvnSpec());
  xml.replace(xml.find("mode=\"ovn\""), 10, "mode=\"evpn\"");
  const LibvirtNetwork parsed = ParseNetworkXml(xml);
  EXPECT_TRUE(parsed.managed());
  ASSERT_TRUE(parsed.metadata_error);
  EXPECT_STREQ(parsed.metadata_error->what(), "vxnet mode 'evpn': must be 'mesh' or 'ovn'");
}

// ---- chassis settings -------------------------------------------------------

ovn::ChassisSettings Want() { return {"tcp:198.18.0.100:6642", "geneve", "198.18.0.1", "netdev", "br-int"}; }
bool NoneActive(const std::string&) { return false; }
bool AllActive(const std::string&) { return true; }

TEST(OvnChassis, AbsentSettingsAreSetAndOwnedAndASystemIdIsMadeOnlyWhenThereIsNone) {
  ovn::ChassisPlan p = ovn::PlanChassis(Want(), {}, "vxnet0", "new-id", NoneActive);
  EXPECT_EQ(p.system_id, "new-id");
  EXPECT_EQ(p.set.at("system-id"), "new-id");
  EXPECT_EQ(p.set.at("ovn-remote"), "tcp:198.18.0.100:6642");
  EXPECT_EQ(p.set.at("ovn-encap-ip"), "198.18.0.1");
  EXPECT_FALSE(p.set.count("ovn-bridge")) << "br-int is ovn-controller's default; nothing to set";
  EXPECT_EQ(p.owned.size(), 5u);

  p = ovn::PlanChassis(Want(), {{"system-id", "kept"}}, "vxnet0", "new-id", NoneActive);
  EXPECT_EQ(p.system_id, "kept");
  EXPECT_FALSE(p.set.count("system-id"));
}

TEST(OvnChassis, TheOperatorsMatchingSettingsStayHisAndNothingIsWritten) {
  const StringMap ids{{"system-id", "h1"}, {"ovn-remote", "tcp:198.18.0.100:6642"}, {"ovn-encap-type", "geneve"},
                      {"ovn-encap-ip", "198.18.0.1"}, {"ovn-bridge-datapath-type", "netdev"}};
  const ovn::ChassisPlan p = ovn::PlanChassis(Want(), ids, "vxnet0", "", NoneActive);
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(p.owned.empty());
}

TEST(OvnChassis, ADifferentSettingNotVxnetsIsRefusedNamingKeyValuesAndFix) {
  const StringMap ids{{"system-id", "h1"}, {"ovn-remote", "tcp:10.9.9.9:6642"}};
  try {
    ovn::PlanChassis(Want(), ids, "vxnet0", "", NoneActive);
    FAIL() << "not refused";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "Open_vSwitch external_ids:ovn-remote 'tcp:10.9.9.9:6642': is set by someone else, and network 'vxnet0' needs "
                 "'tcp:198.18.0.100:6642' (one host is one OVN chassis, of one Southbound DB); give the network the same "
                 "setting, or, if nothing else uses this chassis, 'ovs-vsctl remove Open_vSwitch . external_ids ovn-remote'");
  }
}

TEST(OvnChassis, VxnetsOwnSettingChangesOnlyWhenItsNetworkIsThisOneOrGone) {
  const StringMap ids{{"system-id", "h1"}, {"ovn-remote", "tcp:10.9.9.9:6642"}, {ovn::kOwnedKeysKey, "ovn-remote"},
                      {ovn::kOwnerNetworkKey, "other"}};
  EXPECT_THROW(ovn::PlanChassis(Want(), ids, "vxnet0", "", AllActive), Error);
  EXPECT_EQ(ovn::PlanChassis(Want(), ids, "vxnet0", "", NoneActive).set.at("ovn-remote"), "tcp:198.18.0.100:6642");
  EXPECT_EQ(ovn::PlanChassis(Want(), ids, "other", "", AllActive).set.at("ovn-remote"), "tcp:198.18.0.100:6642");
}

// ---- Northbound -------------------------------------------------------------

ovn::LogicalSwitch Switch(StringMap ids, std::vector<std::string> ports = {}) { return {"ls-uuid", "vxnet0", ports, ids}; }
ovn::LogicalSwitchPort Port(std::string requested, StringMap ids = {{kOwnerKey, "vxnet0"}}) {
  ovn::LogicalSwitchPort p{"lsp-uuid", "iface-1", {"52:54:00:00:01:01"}, {}, ids, true};
  if (!requested.empty()) p.options["requested-chassis"] = requested;
  return p;
}
const ovn::PortRequest kGuest{"iface-1", {"52:54:00:00:01:01"}, "vm1"};

std::string Ops(const ovn::NbChange& c) { return c.ops.dump(); }

TEST(OvnNorthbound, TheFirstHostCreatesTheSwitchGuardedAgainstAConcurrentCreate) {
  const ovn::NbChange c = ovn::PlanJoin({}, "vxnet0", "vxnet0", "h1", std::nullopt);
  ASSERT_EQ(c.ops.size(), 2u);
  EXPECT_EQ(c.ops[0]["op"], "wait");
  EXPECT_EQ(c.ops[0]["rows"], ovs::Json::array());
  EXPECT_EQ(c.ops[1]["op"], "insert");
  EXPECT_NE(Ops(c).find("vxnet-chassis:h1"), std::string::npos);
  EXPECT_EQ(c.changes.front(), "create logical switch vxnet0");
}

TEST(OvnNorthbound, ASwitchOfTheSameNameThatIsNotVxnetsIsNeverUsed) {
  ovn::NbView v;
  v.switches = {Switch({{"neutron:network_name", "x"}})};
  EXPECT_THROW(ovn::PlanJoin(v, "vxnet0", "vxnet0", "h1", std::nullopt), Error);
  v.switches = {Switch({{kOwnerKey, "vxnet0"}}), Switch({{kOwnerKey, "vxnet0"}})};
  EXPECT_THROW(ovn::PlanJoin(v, "vxnet0", "vxnet0", "h1", std::nullopt), Error);
}

TEST(OvnNorthbound, AJoinedHostChangesNothing) {
  ovn::NbView v;
  v.switches = {Switch({{kOwnerKey, "vxnet0"}, {"vxnet-chassis:h1", "vxnet0"}})};
  EXPECT_TRUE(ovn::PlanJoin(v, "vxnet0", "vxnet0", "h1", std::nullopt).ops.empty());
}

TEST(OvnNorthbound, AGuestPortIsAddedRequestedForThisChassis) {
  ovn::NbView v;
  v.switches = {Switch({{kOwnerKey, "vxnet0"}})};
  const ovn::NbChange c = ovn::PlanAdmit(v, "vxnet0", "vxnet0", "h1", kGuest);
  const std::string ops = Ops(c);
  EXPECT_NE(ops.find("\"requested-chassis\",\"h1\""), std::string::npos) << ops;
  EXPECT_EQ(ops.find("activation-strategy"), std::string::npos);
  EXPECT_NE(ops.find("\"ports\",\"insert\""), std::string::npos);
}

TEST(OvnNorthbound, APortNotVxnetsIsRefusedAndVxnetsOwnIsTakenOver) {
  ovn::NbView v;
  v.switches = {Switch({{kOwnerKey, "vxnet0"}}, {"lsp-uuid"})};
  v.port = Port("h1", {{"neutron:port_name", "x"}});
  EXPECT_THROW(ovn::PlanAdmit(v, "vxnet0", "vxnet0", "h1", kGuest), Error);
  v.port = Port("h1");
  v.port->external_ids[ovn::kDomainKey] = "vm1";
  EXPECT_TRUE(ovn::PlanAdmit(v, "vxnet0", "vxnet0", "h1", kGuest).ops.empty()) << "idempotent";
  v.port->addresses = {"52:54:00:00:01:99"};
  EXPECT_EQ(ovn::PlanAdmit(v, "vxnet0", "vxnet0", "h1", kGuest).changes.size(), 1u);
}

TEST(OvnNorthbound, AMigrationsDestinationJoinsTheListBlockedUntilRarp) {
  ovn::NbView v;
  v.switches = {Switch({{kOwnerKey, "vxnet0"}}, {"lsp-uuid"})};
  v.port = Port("src");
  const ovn::NbChange c = ovn::PlanAdmit(v, "vxnet0", "vxnet0", "dst", kGuest);
  const std::string ops = Ops(c);
  EXPECT_EQ(c.ops[0]["op"], "wait") << "guarded against the source changing it meanwhile";
  EXPECT_NE(ops.find("\"requested-chassis\",\"src,dst\""), std::string::npos) << ops;
  EXPECT_NE(ops.find("\"activation-strategy\",\"rarp\""), std::string::npos) << ops;
}

TEST(OvnNorthbound, PortDeletedRemovesOnlyAPortRequestedForThisChassisAlone) {
  ovn::NbView v;
  v.holding_port = {Switch({{kOwnerKey, "vxnet0"}}, {"lsp-uuid"})};
  v.port = Port("h1");
  ovn::NbChange c = ovn::PlanRelease(v, "iface-1", "h1");
  EXPECT_EQ(c.changes, std::vector<std::string>{"remove logical port iface-1"});
  // The source after a migration: the destination keeps the port.
  v.port = Port("src,dst");
  v.port->options["activation-strategy"] = "rarp";
  c = ovn::PlanRelease(v, "iface-1", "src");
  const std::string ops = Ops(c);
  ASSERT_EQ(c.ops.size(), 2u);
  EXPECT_EQ(c.ops[0]["op"], "wait") << "guarded against the destination changing it meanwhile";
  const std::string update = c.ops[1].dump();
  EXPECT_NE(update.find("\"requested-chassis\",\"dst\""), std::string::npos) << update;
  EXPECT_EQ(update.find("activation-strategy"), std::string::npos) << update;
  EXPECT_EQ(ops.find("delete"), std::string::npos);
  // A port now requested for another chassis only, or not vxnet's: untouched.
  v.port = Port("dst");
  EXPECT_TRUE(ovn::PlanRelease(v, "iface-1", "src").ops.empty());
  v.port = Port("h1", {});
  EXPECT_TRUE(ovn::PlanRelease(v, "iface-1", "h1").ops.empty());
}

TEST(OvnNorthbound, TheLastHostToLeaveDeletesTheSwitchOthersOnlyRemoveTheirMark) {
  ovn::NbView v;
  v.switches = {Switch({{kOwnerKey, "vxnet0"}, {"vxnet-chassis:h1", "vxnet0"}, {"vxnet-chassis:h2", "vxnet0"}}, {"lsp-uuid"})};
  v.switch_ports = {Port("h1")};
  ovn::NbChange c = ovn::PlanLeave(v, "vxnet0", "h1");
  EXPECT_EQ(c.changes, (std::vector<std::string>{"remove logical port iface-1", "logical switch vxnet0: remove mark vxnet-chassis:h1"}));
  v.switches[0].external_ids.erase("vxnet-chassis:h2");
  c = ovn::PlanLeave(v, "vxnet0", "h1");
  EXPECT_EQ(c.changes.back(), "delete logical switch vxnet0 (no host uses it any more)");
  // A port of another chassis keeps the switch.
  v.switch_ports = {Port("h2")};
  c = ovn::PlanLeave(v, "vxnet0", "h1");
  EXPECT_EQ(c.changes, std::vector<std::string>{"logical switch vxnet0: remove mark vxnet-chassis:h1"});
}

// ---- pinning interfaceids -----------------------------------------------------

TEST(OvnPin, InterfacesOnOvnNetworksGetTheIdTheyRunWithOrANewOne) {
  const std::string xml =
      "<domain type='qemu'><name>vm1</name><devices>"
      "<interface type='network'><mac address='52:54:00:00:01:01'/><source network='vxnet0'/></interface>"
      "<interface type='network'><mac address='52:54:00:00:01:02'/><source network='vxnet0'/></interface>"
      "<interface type='network'><mac address='52:54:00:00:01:03'/><source network='default'/></interface>"
      "<interface type='network'><mac address='52:54:00:00:01:04'/><source network='vxnet0'/>"
      "<virtualport type='openvswitch'><parameters interfaceid='already'/></virtualport></interface>"
      "</devices></domain>";
  std::vector<std::string> changes;
  const auto out = PinInterfaceIds(xml, {"vxnet0"}, {{"52:54:00:00:01:01", "live-id"}}, [] { return std::string("new-id"); }, changes);
  ASSERT_TRUE(out);
  EXPECT_NE(out->find("interfaceid=\"live-id\""), std::string::npos) << *out;
  EXPECT_NE(out->find("interfaceid=\"new-id\""), std::string::npos);
  EXPECT_NE(out->find("interfaceid=\"already\""), std::string::npos);
  EXPECT_EQ(changes.size(), 2u);
  changes.clear();
  EXPECT_FALSE(PinInterfaceIds(*out, {"vxnet0"}, {}, [] { return std::string("x"); }, changes)) << "a second run changes nothing";
}

}  // namespace
}  // namespace vxnet
