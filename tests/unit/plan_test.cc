// The reconcile's decisions on hand-built OVSDB states: no server needed.
#include "ovs/plan.h"

#include <gtest/gtest.h>

#include <fstream>

#include "ovs/reconcile.h"

namespace vxnet::ovs {
namespace {

// Builds OvsState rows with readable uuids.
struct StateBuilder {
  OvsState s;
  int next = 1;
  StateBuilder() { s.root_uuid = "root"; }
  std::string Id(const std::string& prefix) { return prefix + "-" + std::to_string(next++); }

  std::string Bridge(const std::string& name, const std::string& owner = "", const std::string& datapath = "netdev") {
    BridgeRow b{Id("br"), name, datapath, {}, {}};
    if (!owner.empty()) b.external_ids[kOwnerKey] = owner;
    s.bridges[b.uuid] = b;
    return b.uuid;
  }
  std::string Port(const std::string& bridge_uuid, const std::string& name, const std::string& type,
                   const StringMap& options = {}, const std::string& owner = "", bool is_protected = false,
                   std::optional<std::int64_t> mtu = std::nullopt, const std::string& iface_name = "") {
    InterfaceRow i{Id("if"), iface_name.empty() ? name : iface_name, type, options, {}, mtu, "", 1, "up", {}, {}};
    PortRow p{Id("port"), name, {i.uuid}, is_protected, {}};
    if (!owner.empty()) {
      i.external_ids[kOwnerKey] = owner;
      p.external_ids[kOwnerKey] = owner;
      if (options.count("remote_ip")) i.external_ids[kPeerKey] = p.external_ids[kPeerKey] = options.at("remote_ip");
    }
    s.interfaces[i.uuid] = i;
    s.ports[p.uuid] = p;
    s.bridges[bridge_uuid].ports.push_back(p.uuid);
    return p.uuid;
  }
  // A tunnel exactly as vxnet makes it for `t`.
  std::string Tunnel(const std::string& bridge_uuid, const DesiredTunnel& t, const std::string& owner) {
    return Port(bridge_uuid, t.name, "vxlan", t.Options(), owner, true);
  }
};

NetworkSpec Spec(std::vector<std::string> peers) {
  NetworkSpec s;
  s.vni = 100;
  s.datapath = Datapath::kNetdev;
  for (const auto& p : peers) s.peers.push_back(*IpAddress::Parse(p));
  return s;
}

TEST(TunnelName, DeterministicValidAndDistinct) {
  const auto ip = *IpAddress::Parse("198.18.0.2");
  const std::string name = TunnelName(ip, 100, 4789, std::nullopt);
  EXPECT_EQ(name, TunnelName(ip, 100, 4789, std::nullopt));
  EXPECT_EQ(name.size(), 15u);
  EXPECT_EQ(name.rfind("vx", 0), 0u);
  EXPECT_NE(name, TunnelName(ip, 101, 4789, std::nullopt));
  EXPECT_NE(name, TunnelName(ip, 100, 8472, std::nullopt));
  EXPECT_NE(name, TunnelName(*IpAddress::Parse("198.18.0.3"), 100, 4789, std::nullopt));
  EXPECT_FALSE(CheckInterfaceName("tunnel", name).has_value());
}

TEST(DesiredFromSpec, SkipsThisHostsOwnAddressesAndSetsOptions) {
  NetworkSpec spec = Spec({"198.18.0.1", "198.18.0.2"});
  spec.dst_port = 8472;
  DesiredNetwork d = DesiredFromSpec(spec, 1450, {*IpAddress::Parse("198.18.0.1")});
  ASSERT_EQ(d.tunnels.size(), 1u);
  EXPECT_EQ(d.tunnels[0].remote.ToString(), "198.18.0.2");
  EXPECT_EQ(d.tunnels[0].Options(), (StringMap{{"remote_ip", "198.18.0.2"}, {"key", "100"}, {"dst_port", "8472"}}));
  EXPECT_EQ(d.mtu, 1450);
  EXPECT_EQ(d.datapath_type, "netdev");
}

TEST(PlanReconcile, FromNothingCreatesEverythingInOneTransaction) {
  StateBuilder b;
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2", "198.18.0.3"}), 1450);
  Plan plan = PlanReconcile(d, b.s);
  EXPECT_TRUE(plan.create_bridge);
  EXPECT_EQ(plan.add.size(), 2u);
  Json ops = BuildTransaction(plan, d, b.s).Parsed();
  int bridge_inserts = 0;
  for (const auto& op : ops) bridge_inserts += op.value("op", "") == "insert" && op.value("table", "") == "Bridge";
  EXPECT_EQ(bridge_inserts, 1);
  EXPECT_EQ(ops.back().at("op"), "select");  // the new next_cfg, read in the same transaction
  EXPECT_EQ(ops[ops.size() - 2].at("mutations")[0][0], "next_cfg");
}

// The tunnels' rows are written as text, not built as a tree: OVSDB must
// receive exactly the rows a tree would have given, whatever the strings.
TEST(BuildTransaction, TunnelRowsWrittenAsTextAreTheRowsOfTheTree) {
  StateBuilder b;
  NetworkSpec spec = Spec({"198.18.0.2", "2001:db8::2"});
  spec.name = "n\"e\\t\x01\u00e9";  // quote, backslash, a control character, UTF-8
  spec.dst_port = 4790;
  spec.bfd = true;
  DesiredNetwork d = DesiredFromSpec(spec, 1450);
  const Transaction tx = BuildTransaction(PlanReconcile(d, b.s), d, b.s);
  const Json ops = tx.Parsed();
  ASSERT_EQ(ops.size(), tx.size());
  int tunnels = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].at("op"), tx.kind(i));
    if (ops[i].value("uuid-name", "").rfind("tun_iface_", 0) != 0) continue;
    const DesiredTunnel& t = d.tunnels.at(static_cast<std::size_t>(tunnels++));
    const Json ids = data::Map({{kOwnerKey, spec.name}, {kPeerKey, t.remote.ToString()}});
    EXPECT_EQ(ops[i], (Json{{"op", "insert"},
                            {"table", "Interface"},
                            {"row",
                             {{"name", t.name},
                              {"type", "vxlan"},
                              {"options", data::Map(t.Options())},
                              {"bfd", data::Map({{"enable", "true"}})},
                              {"external_ids", ids}}},
                            {"uuid-name", "tun_iface_" + std::to_string(tunnels - 1)}}));
    EXPECT_EQ(ops.at(i + 1), (Json{{"op", "insert"},
                                   {"table", "Port"},
                                   {"row",
                                    {{"name", t.name},
                                     {"interfaces", data::NamedUuid("tun_iface_" + std::to_string(tunnels - 1))},
                                     {"protected", true},
                                     {"external_ids", ids}}},
                                   {"uuid-name", "tun_port_" + std::to_string(tunnels - 1)}}));
  }
  EXPECT_EQ(tunnels, 2);
  EXPECT_TRUE(tx.changes());
  EXPECT_EQ(d.tunnels[0].Options().at("dst_port"), "4790");
}

TEST(BuildTransaction, JsonStringsEscapeWhatJsonRequires) {
  for (const std::string& s : {std::string(""), std::string("plain"), std::string("q\"b\\"), std::string("\x01\x1f\n\t"),
                              std::string("\u00e9\u4e2d"), std::string("/<>&'")}) {
    std::string text;
    AppendJsonString(text, s);
    EXPECT_EQ(Json::parse(text).get<std::string>(), s) << text;
  }
  std::string text;
  AppendJsonString(text, "a\x02");
  EXPECT_EQ(text, R"("a\u0002")");
}

TEST(PlanReconcile, MatchingStateNeedsNothing) {
  StateBuilder b;
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  const std::string br = b.Bridge("ovs-sw0", "vxnet0");
  b.Port(br, "ovs-sw0", "internal", {}, "vxnet0", false, 1450);
  b.Tunnel(br, d.tunnels[0], "vxnet0");
  b.Port(br, "vnet0", "", {});  // a guest tap
  EXPECT_TRUE(PlanReconcile(d, b.s).empty());
}

TEST(PlanReconcile, FixesOwnRowsOnlyAndNeverRewritesThePortsColumn) {
  StateBuilder b;
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2", "198.18.0.4"}), 1400);
  const std::string br = b.Bridge("ovs-sw0", "vxnet0");
  b.Port(br, "ovs-sw0", "internal", {}, "vxnet0", false, 1500);
  DesiredTunnel drifted = d.tunnels[0];
  drifted.key = 7;  // same name, wrong options
  b.Port(br, drifted.name, "vxlan", drifted.Options(), "vxnet0", false);
  DesiredTunnel gone = DesiredFromSpec(Spec({"198.18.0.3"}), std::nullopt).tunnels[0];
  b.Tunnel(br, gone, "vxnet0");
  const std::string tap = b.Port(br, "vnet0", "", {});
  b.Port(br, "op-port", "internal", {});

  Plan plan = PlanReconcile(d, b.s);
  EXPECT_EQ(plan.set_mtu_request, 1400);
  ASSERT_EQ(plan.update.size(), 1u);
  EXPECT_EQ(plan.update[0].tunnel.name, d.tunnels[0].name);
  ASSERT_EQ(plan.add.size(), 1u);
  EXPECT_EQ(plan.add[0].remote.ToString(), "198.18.0.4");
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].name, gone.name);

  Json ops = BuildTransaction(plan, d, b.s).Parsed();
  int port_mutations = 0;
  for (const auto& op : ops) {
    const std::string kind = op.value("op", ""), table = op.value("table", "");
    if (kind == "wait") continue;  // the optimistic check names every port read
    // The guest tap is never named by a change, and Bridge.ports is only
    // ever mutated (insert/delete), never written whole.
    EXPECT_EQ(op.dump().find(tap), std::string::npos) << op.dump();
    if (table == "Bridge" && kind == "update") {
      EXPECT_FALSE(op.at("row").contains("ports")) << op.dump();
    }
    if (table == "Bridge" && kind == "mutate") ++port_mutations;
  }
  EXPECT_EQ(port_mutations, 2);  // one insert, one delete
}

TEST(PlanReconcile, ConflictsAreRefusedWithTheFix) {
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), std::nullopt);
  auto error_of = [&](const OvsState& s) {
    try {
      PlanReconcile(d, s);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  {
    StateBuilder b;
    const std::string br = b.Bridge("ovs-sw0", "other-net");
    b.Port(br, "ovs-sw0", "internal");
    EXPECT_EQ(error_of(b.s), "bridge 'ovs-sw0': belongs to vxnet network 'other-net'; give network 'vxnet0' its own bridge name");
  }
  {
    StateBuilder b;
    const std::string br = b.Bridge("ovs-sw0", "", "system");
    b.Port(br, "ovs-sw0", "internal");
    EXPECT_NE(error_of(b.s).find("datapath_type 'system'"), std::string::npos);
  }
  {
    StateBuilder b;
    const std::string br = b.Bridge("ovs-sw0");
    b.Port(br, "ovs-sw0", "internal", {}, "", false, std::nullopt, "ovs-sw0-iface");
    EXPECT_NE(error_of(b.s).find("holds interface 'ovs-sw0-iface'"), std::string::npos);
  }
  {
    StateBuilder b;
    b.Bridge("ovs-sw0");
    EXPECT_NE(error_of(b.s).find("has no internal port of the same name"), std::string::npos);
  }
  {
    StateBuilder b;
    const std::string br = b.Bridge("br-int");
    b.Port(br, d.tunnels[0].name, "internal");
    EXPECT_NE(error_of(b.s).find("exists and was not made by vxnet"), std::string::npos);
  }
  {
    StateBuilder b;
    const std::string br = b.Bridge("br-other", "net-b");
    b.Port(br, "br-other", "internal", {}, "net-b");
    b.Port(br, "vx-b", "vxlan", {{"remote_ip", "198.18.0.2"}, {"key", "100"}}, "net-b", true);
    EXPECT_NE(error_of(b.s).find("belongs to vxnet network 'net-b'"), std::string::npos);
    EXPECT_NE(error_of(b.s).find("give the networks different VNIs"), std::string::npos);
  }
}

TEST(PlanReconcile, OwnedBridgeDatapathIsCorrected) {
  StateBuilder b;
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), std::nullopt);
  const std::string br = b.Bridge("ovs-sw0", "vxnet0", "");  // "" means system
  b.Port(br, "ovs-sw0", "internal", {}, "vxnet0");
  b.Tunnel(br, d.tunnels[0], "vxnet0");
  Plan plan = PlanReconcile(d, b.s);
  EXPECT_EQ(plan.set_datapath, "netdev");
  EXPECT_EQ(plan.Describe(), std::vector<std::string>{"set bridge ovs-sw0 datapath_type=netdev"});
}

TEST(PlanReconcile, AttachedBridgePortIsAnOwnedPlainPort) {
  NetworkSpec spec = Spec({"198.18.0.2"});
  spec.attach_bridge = "docker0";
  DesiredNetwork d = DesiredFromSpec(spec, std::nullopt);
  ASSERT_TRUE(d.attach_port);
  EXPECT_EQ(d.attach_port->size(), 15u);
  StateBuilder b;
  const std::string br = b.Bridge("ovs-sw0", "vxnet0");
  b.Port(br, "ovs-sw0", "internal", {}, "vxnet0");
  b.Tunnel(br, d.tunnels[0], "vxnet0");
  Plan plan = PlanReconcile(d, b.s);
  EXPECT_EQ(plan.add_attach_port, d.attach_port);
  EXPECT_NE(BuildTransaction(plan, d, b.s).Parsed().dump().find(*d.attach_port), std::string::npos);
  b.Port(br, *d.attach_port, "", {}, "vxnet0");
  EXPECT_TRUE(PlanReconcile(d, b.s).empty());
  // Dropping attach-bridge from the network removes the port.
  Plan dropped = PlanReconcile(DesiredFromSpec(Spec({"198.18.0.2"}), std::nullopt), b.s);
  ASSERT_EQ(dropped.remove.size(), 1u);
  EXPECT_EQ(dropped.remove[0].name, *d.attach_port);
}

TEST(PlanReconcile, BfdIsPartOfTheTunnel) {
  NetworkSpec spec = Spec({"198.18.0.2"});
  StateBuilder b;
  const std::string br = b.Bridge("ovs-sw0", "vxnet0");
  b.Port(br, "ovs-sw0", "internal", {}, "vxnet0");
  b.Tunnel(br, DesiredFromSpec(spec, std::nullopt).tunnels[0], "vxnet0");
  spec.bfd = true;
  DesiredNetwork d = DesiredFromSpec(spec, std::nullopt);
  Plan plan = PlanReconcile(d, b.s);
  ASSERT_EQ(plan.update.size(), 1u);
  EXPECT_NE(BuildTransaction(plan, d, b.s).Parsed().dump().find(R"("bfd":["map",[["enable","true"]]])"), std::string::npos);
}

TEST(PlanTeardown, DeletesOwnBridgeOnlyWhenNothingElseIsOnIt) {
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), std::nullopt);
  StateBuilder b;
  const std::string br = b.Bridge("ovs-sw0", "vxnet0");
  b.Port(br, "ovs-sw0", "internal", {}, "vxnet0");
  b.Tunnel(br, d.tunnels[0], "vxnet0");
  Plan empty_bridge = PlanTeardown("vxnet0", "ovs-sw0", b.s);
  EXPECT_TRUE(empty_bridge.delete_bridge);
  EXPECT_EQ(empty_bridge.remove.size(), 1u);

  b.Port(br, "vnet3", "");  // a guest still attached
  Plan busy = PlanTeardown("vxnet0", "ovs-sw0", b.s);
  EXPECT_FALSE(busy.delete_bridge);
  EXPECT_EQ(busy.remove.size(), 1u);

  StateBuilder foreign;
  const std::string fbr = foreign.Bridge("ovs-sw0");
  foreign.Port(fbr, "ovs-sw0", "internal");
  EXPECT_TRUE(PlanTeardown("vxnet0", "ovs-sw0", foreign.s).empty());
}

// Names a host already carries must never change with an upgrade: a
// renamed tunnel would be a second tunnel to the same peer, which OVS
// refuses, and the old one an orphan.
TEST(GoldenNames, TunnelsVethsAndDigestsAreThoseOfEarlierReleases) {
  auto ip = [](const char* s) { return *IpAddress::Parse(s); };
  EXPECT_EQ(TunnelName(ip("198.18.0.2"), 100, 4789, std::nullopt), "vx48e185ed0a08f");
  EXPECT_EQ(TunnelName(ip("2001:db8::2"), 100, 4789, std::nullopt), "vxfcc3358ac4d03");
  EXPECT_EQ(TunnelName(ip("198.18.0.2"), 16777215, 8472, ip("198.18.0.1")), "vxd06b9ac458615");
  NetworkSpec docker;
  docker.attach_bridge = "docker0";
  EXPECT_EQ(AttachVethNames(docker).ovs_end, "vxa8e482c6dc5ba");
  EXPECT_EQ(AttachVethNames(docker).bridge_end, "vxb8e482c6dc5ba");
  NetworkSpec other;
  other.name = "lab-net.2";
  other.attach_bridge = "br-containers";
  EXPECT_EQ(AttachVethNames(other).ovs_end, "vxa0e5518303109");
}

// A bridge vxnet did not make: used only when it holds nothing but its
// internal port, guests and this network's ports.
TEST(PlanReconcile, AForeignBridgeWithForeignPortsIsRefusedNamingThePort) {
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  StateBuilder b;
  const std::string br = b.Bridge("ovs-sw0");
  b.Port(br, "ovs-sw0", "internal");
  const std::string guest = b.Port(br, "vnet0", "");
  b.s.interfaces[b.s.ports[guest].interfaces[0]].external_ids = {{"attached-mac", "52:54:00:00:00:01"}, {"iface-id", "x"}};
  Plan ok = PlanReconcile(d, b.s);  // internal port and a guest: usable
  EXPECT_EQ(ok.set_mtu_request, 1450);
  b.Port(br, "eth0", "");
  try {
    PlanReconcile(d, b.s);
    FAIL() << "a bridge with the NIC in it was taken over";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "bridge 'ovs-sw0': was not made by vxnet and carries port 'eth0', which is neither a guest's nor vxnet's; "
              "vxnet does not take over such a bridge; give network 'vxnet0' its own bridge name (vxnet creates it), "
              "or remove port 'eth0' from the bridge");
  }
  // vxnet's own bridge may carry anything: it is vxnet's to manage.
  StateBuilder own;
  const std::string obr = own.Bridge("ovs-sw0", "vxnet0");
  own.Port(obr, "ovs-sw0", "internal", {}, "vxnet0");
  own.Port(obr, "eth0", "");
  EXPECT_NO_THROW(PlanReconcile(d, own.s));
}

// The mtu_request vxnet sets on a foreign bridge is recorded once (the
// original value) and put back at teardown, by the network that set it.
TEST(PlanReconcile, TheMtuOfAForeignBridgeIsRecordedAndRestored) {
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  StateBuilder b;
  const std::string br = b.Bridge("ovs-sw0");
  b.Port(br, "ovs-sw0", "internal", {}, "", false, 1500);
  Plan plan = PlanReconcile(d, b.s);
  EXPECT_EQ(plan.set_mtu_request, 1450);
  EXPECT_EQ(plan.save_mtu_request, "1500");
  const std::string ops = BuildTransaction(plan, d, b.s).Parsed().dump();
  EXPECT_NE(ops.find(R"(["vxnet-saved-mtu_request","1500"])"), std::string::npos) << ops;
  EXPECT_NE(ops.find(R"(["vxnet-mtu-borrower","vxnet0"])"), std::string::npos) << ops;

  // After the start: the record is there and is not overwritten.
  InterfaceRow& local = b.s.interfaces[b.s.ports[b.s.bridges[br].ports[0]].interfaces[0]];
  local.mtu_request = 1450;
  local.external_ids = {{kSavedMtuRequestKey, "1500"}, {kMtuBorrowerKey, "vxnet0"}};
  b.Tunnel(br, d.tunnels[0], "vxnet0");
  EXPECT_TRUE(PlanReconcile(d, b.s).empty());
  local.mtu_request = 1400;  // drift: repaired, the original record kept
  Plan repair = PlanReconcile(d, b.s);
  EXPECT_EQ(repair.set_mtu_request, 1450);
  EXPECT_FALSE(repair.save_mtu_request);

  Plan teardown = PlanTeardown("vxnet0", "ovs-sw0", b.s);
  ASSERT_TRUE(teardown.restore_mtu_request);
  EXPECT_EQ(teardown.remove.size(), 1u);  // the tunnel
  EXPECT_EQ(*teardown.restore_mtu_request, 1500);
  EXPECT_FALSE(teardown.delete_bridge);
  const std::string undo = BuildTransaction(teardown, d, b.s).Parsed().dump();
  EXPECT_NE(undo.find(R"({"mtu_request":1500})"), std::string::npos) << undo;
  EXPECT_FALSE(PlanTeardown("other-net", "ovs-sw0", b.s).restore_mtu_request) << "another network restored what it did not set";
  local.external_ids[kSavedMtuRequestKey] = "none";
  EXPECT_EQ(*PlanTeardown("vxnet0", "ovs-sw0", b.s).restore_mtu_request, std::nullopt);
}

TEST(PlanGuestPorts, PlugsOnlyTapsThatAreNoPortAnywhere) {
  StateBuilder b;
  const std::string br = b.Bridge("ovs-sw0", "vxnet0");
  b.Port(br, "ovs-sw0", "internal", {}, "vxnet0");
  const std::string other = b.Bridge("br-other");
  b.Port(other, "vnet1", "");
  Plan plan = PlanGuestPorts("vxnet0", "ovs-sw0",
                             {{"vnet0", "52:54:00:00:00:01", "iface-0", "vm-uuid"}, {"vnet1", "52:54:00:00:00:02", "", ""}},
                             b.s);
  ASSERT_EQ(plan.plug_guests.size(), 1u);
  EXPECT_EQ(plan.plug_guests[0].tap, "vnet0");
  const std::string ops = BuildTransaction(plan, DesiredNetwork{"vxnet0", "ovs-sw0", "netdev", std::nullopt, {}, std::nullopt},
                                           b.s)
                              .Parsed().dump();
  EXPECT_NE(ops.find(R"(["attached-mac","52:54:00:00:00:01"],["iface-id","iface-0"],["iface-status","active"],["vm-id","vm-uuid"])"),
            std::string::npos)
      << ops;
  EXPECT_THROW(PlanGuestPorts("vxnet0", "missing", {}, b.s), Error);
}

TEST(CheckSchemaDocument, RefusesAnOpenVswitchWithoutAColumn) {
  std::ifstream in("/usr/share/openvswitch/vswitch.ovsschema");
  if (!in) GTEST_SKIP() << "Open vSwitch's schema is not installed";
  Json schema = Json::parse(in);
  EXPECT_NO_THROW(CheckSchemaDocument(schema));
  schema["tables"]["Interface"]["columns"].erase("mtu_request");
  try {
    CheckSchemaDocument(schema);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'Interface.mtu_request': is missing; vxnet needs Open vSwitch 2.6 or later"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vxnet::ovs
