// The scoped read (ReadScope) against a fake OVSDB that answers its selects
// from a whole, hand-built state: for every kind of state the planning rules
// know, a plan made from what the scoped read returns must be the plan made
// from the whole state (the same transaction, byte for byte, or the same
// refusal). The one documented exception, a foreign port elsewhere with a
// declared tunnel's name, must end in a transaction OVSDB's unique name
// index refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "ovs/plan.h"
#include "ovs/reconcile.h"

namespace vxnet::ovs {
namespace {

// Rows with readable uuids.
struct StateBuilder {
  OvsState s;
  int next = 1;
  StateBuilder() {
    s.root_uuid = "root";
    s.next_cfg = s.cur_cfg = 7;
  }
  std::string Id(const std::string& prefix) { return prefix + "-" + std::to_string(next++); }

  std::string Bridge(const std::string& name, const std::string& owner = "") {
    BridgeRow b{Id("br"), name, "netdev", {}, {}};
    if (!owner.empty()) b.external_ids[kOwnerKey] = owner;
    s.bridges[b.uuid] = b;
    return b.uuid;
  }
  // A port of one interface; `iface_ids` go on the interface only (a
  // guest's tap), `owner` on both.
  std::string Port(const std::string& bridge_uuid, const std::string& name, const std::string& type,
                   const StringMap& options = {}, const std::string& owner = "", const StringMap& iface_ids = {},
                   std::optional<std::int64_t> mtu = std::nullopt, const std::string& iface_name = "") {
    InterfaceRow i{Id("if"), iface_name.empty() ? name : iface_name, type, options, iface_ids, mtu, "", 1, "up", {}, {}};
    PortRow p{Id("port"), name, {i.uuid}, false, {}};
    if (!owner.empty()) {
      i.external_ids[kOwnerKey] = owner;
      p.external_ids[kOwnerKey] = owner;
    }
    s.interfaces[i.uuid] = i;
    s.ports[p.uuid] = p;
    s.bridges[bridge_uuid].ports.push_back(p.uuid);
    return p.uuid;
  }
  // A tunnel exactly as vxnet makes it.
  std::string Tunnel(const std::string& bridge_uuid, const DesiredTunnel& t, const std::string& owner) {
    const std::string port = Port(bridge_uuid, t.name, "vxlan", t.Options(), owner);
    PortRow& p = s.ports[port];
    p.is_protected = true;
    p.external_ids[kPeerKey] = t.remote.ToString();
    s.interfaces[p.interfaces[0]].external_ids[kPeerKey] = t.remote.ToString();
    return port;
  }
  // The bridge vxnet makes for a network: owned, with its internal port.
  std::string OwnBridge(const std::string& name, const std::string& network, int mtu = 1450) {
    const std::string br = Bridge(name, network);
    Port(br, name, "internal", {}, network, {}, mtu);
    return br;
  }
};

// --- a fake OVSDB answering select operations from a whole state ---------

Json Set(const std::vector<std::string>& uuids) {
  std::vector<Json> atoms;
  for (const auto& u : uuids) atoms.push_back(data::Uuid(u));
  return data::UuidSet(atoms);
}
template <typename T>
Json Optional(const std::optional<T>& v) {
  return v ? Json(*v) : data::EmptySet();
}

// Every column, encoded as ovsdb-server does.
Json RowOf(const BridgeRow& b) {
  return {{"_uuid", data::Uuid(b.uuid)}, {"name", b.name}, {"ports", Set(b.ports)}, {"datapath_type", b.datapath_type},
          {"external_ids", data::Map(b.external_ids)}};
}
Json RowOf(const PortRow& p) {
  return {{"_uuid", data::Uuid(p.uuid)}, {"name", p.name}, {"interfaces", Set(p.interfaces)}, {"protected", p.is_protected},
          {"external_ids", data::Map(p.external_ids)}};
}
Json RowOf(const InterfaceRow& i) {
  return {{"_uuid", data::Uuid(i.uuid)},
          {"name", i.name},
          {"type", i.type},
          {"options", data::Map(i.options)},
          {"mtu_request", Optional(i.mtu_request)},
          {"external_ids", data::Map(i.external_ids)},
          {"error", i.error.empty() ? data::EmptySet() : Json(i.error)},
          {"ofport", Optional(i.ofport)},
          {"link_state", i.link_state.empty() ? data::EmptySet() : Json(i.link_state)},
          {"bfd", data::Map(i.bfd)},
          {"bfd_status", data::Map(i.bfd_status)}};
}

// The where clauses vxnet sends; any other makes the test fail, so a new
// kind of clause needs a fake that understands it.
bool Matches(const Json& row, const Json& where) {
  for (const auto& clause : where) {
    const std::string column = clause.at(0), function = clause.at(1);
    const Json& value = clause.at(2);
    if (function == "==" && column == "_uuid") {
      if (row.at("_uuid") != value) return false;
    } else if (function == "==" && (column == "name" || column == "type")) {
      if (row.at(column) != value) return false;
    } else if (function == "!=" && column == "name") {
      if (row.at(column) == value) return false;
    } else if (function == "includes" && column == "ports") {
      const auto have = data::DecodeUuidSet(row.at(column)), want = data::DecodeUuidSet(value);
      for (const auto& u : want)
        if (std::find(have.begin(), have.end(), u) == have.end()) return false;
    } else if ((function == "includes" || function == "excludes") && (column == "external_ids" || column == "options")) {
      const StringMap have = data::DecodeMap(row.at(column)), want = data::DecodeMap(value);
      for (const auto& [k, v] : want) {
        const bool present = have.count(k) && have.at(k) == v;
        if (present != (function == "includes")) return false;
      }
    } else {
      ADD_FAILURE() << "the fake OVSDB does not know the clause " << clause.dump();
      return false;
    }
  }
  return true;
}

Json Answer(const OvsState& whole, const Json& op) {
  EXPECT_EQ(op.at("op"), "select");
  const std::string table = op.at("table");
  std::vector<Json> rows;
  if (table == "Open_vSwitch")
    rows.push_back({{"_uuid", data::Uuid(whole.root_uuid)}, {"next_cfg", whole.next_cfg}, {"cur_cfg", whole.cur_cfg}});
  for (const auto& [uuid, b] : whole.bridges)
    if (table == "Bridge") rows.push_back(RowOf(b));
  for (const auto& [uuid, p] : whole.ports)
    if (table == "Port") rows.push_back(RowOf(p));
  for (const auto& [uuid, i] : whole.interfaces)
    if (table == "Interface") rows.push_back(RowOf(i));
  Json out = Json::array();
  for (const auto& row : rows) {
    if (!Matches(row, op.value("where", Json::array()))) continue;
    Json selected = Json::object();
    for (const auto& c : op.at("columns")) selected[c.get<std::string>()] = row.at(c.get<std::string>());
    out.push_back(selected);
  }
  return Json{{"rows", out}};
}

// What ReadState(client, scope) would return from a server holding `whole`,
// and how many transactions it would take.
OvsState ScopedView(const OvsState& whole, const ReadScope& scope, int* transactions = nullptr) {
  OvsState s;
  s.partial = true;
  int n = 1;
  for (const auto& op : ScopedReadOperations(scope)) MergeSelectResult(s, op, Answer(whole, op));
  for (int round = 0; scope.whole_bridge && round < 2; ++round) {
    const Json ops = CompletionOperations(s, scope.bridge);
    if (ops.empty()) break;
    ++n;
    for (const auto& op : ops) MergeSelectResult(s, op, Answer(whole, op));
  }
  if (transactions) *transactions = n;
  return s;
}

NetworkSpec Spec(std::vector<std::string> peers, const std::string& name = "vxnet0") {
  NetworkSpec s;
  s.name = name;
  s.vni = 100;
  s.datapath = Datapath::kNetdev;
  for (const auto& p : peers) s.peers.push_back(*IpAddress::Parse(p));
  return s;
}

// The outcome of a plan: its transaction, or its refusal.
std::string Outcome(const std::function<Plan(const OvsState&)>& plan_fn, const DesiredNetwork& d, const OvsState& s) {
  try {
    return BuildTransaction(plan_fn(s), d, s).Parsed().dump();
  } catch (const Error& e) {
    return std::string("refused: ") + e.what();
  }
}

// The reconcile, the verification, the teardown and port-created's MTU
// check each decide the same from their scoped read as from the whole state.
void ExpectSameDecisions(const OvsState& whole, const DesiredNetwork& d) {
  SCOPED_TRACE("network " + d.network + " on bridge " + d.bridge);
  const OvsState scoped = ScopedView(whole, ScopeFor(d));
  auto reconcile = [&](const OvsState& s) { return PlanReconcile(d, s); };
  EXPECT_EQ(Outcome(reconcile, d, scoped), Outcome(reconcile, d, whole));
  auto verify = [&](const OvsState& s) -> std::string {
    try {
      VerifyNetwork(d, s);
      return "verified";
    } catch (const Error& e) {
      return e.what();
    }
  };
  EXPECT_EQ(verify(scoped), verify(whole));

  const ReadScope teardown{d.network, d.bridge, std::nullopt, true, false, true, std::nullopt};
  auto tear = [&](const OvsState& s) { return PlanTeardown(d.network, d.bridge, s); };
  EXPECT_EQ(Outcome(tear, d, ScopedView(whole, teardown)), Outcome(tear, d, whole));

  // port-created reads only the bridge and its local port: the same when
  // it succeeds; a refusal there is re-done on whole tables (Converge).
  const ReadScope bridge_only{d.network, d.bridge, std::nullopt, false, false, false, std::nullopt};
  auto mtu = [&](const OvsState& s) { return PlanBridgeMtu(d.network, d.bridge, 1450, s); };
  const std::string whole_mtu = Outcome(mtu, d, whole), scoped_mtu = Outcome(mtu, d, ScopedView(whole, bridge_only));
  if (whole_mtu.rfind("refused: ", 0) == 0) {
    EXPECT_EQ(scoped_mtu.rfind("refused: ", 0), 0u) << scoped_mtu;
  } else {
    EXPECT_EQ(scoped_mtu, whole_mtu);
  }
}

TEST(ReadScope, SelectsOwnRowsByOwnerAndOthersByNameNeverWholeTablesOfPortsOrInterfaces) {
  DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  d.attach_port = "vxb-1234";
  const Json ops = ScopedReadOperations(ScopeFor(d));
  const std::string text = ops.dump();
  for (const auto& op : ops)
    if (op.at("table") == "Port" || op.at("table") == "Interface") {
      EXPECT_FALSE(op.at("where").empty()) << "a whole table read: " << op.dump();
    }
  EXPECT_NE(text.find(R"(["external_ids","includes",["map",[["vxnet-network","vxnet0"]]]])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"([["type","==","vxlan"],["external_ids","excludes",["map",[["vxnet-network","vxnet0"]]]],)"
                      R"(["options","includes",["map",[["key","100"]]]]])"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(["name","==","ovs-sw0"])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(["name","==","vxb-1234"])"), std::string::npos) << text;

  // port-created's: the bridge, its local port and interface, by name.
  const Json narrow = ScopedReadOperations(ReadScope{"vxnet0", "ovs-sw0", std::nullopt, false, false, false, std::nullopt});
  EXPECT_EQ(narrow.size(), 4u) << narrow.dump();
  for (const auto& op : narrow)
    if (op.at("table") != "Open_vSwitch") {
      EXPECT_EQ(op.at("where").dump(), R"([["name","==","ovs-sw0"]])");
    }
}

TEST(ReadScope, FromNothingAndOnARerunOneTransaction) {
  StateBuilder b;
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2", "198.18.0.3"}), 1450);
  int transactions = 0;
  ScopedView(b.s, ScopeFor(d), &transactions);
  EXPECT_EQ(transactions, 1);
  ExpectSameDecisions(b.s, d);

  const std::string br = b.OwnBridge("ovs-sw0", "vxnet0");
  for (const auto& t : d.tunnels) b.Tunnel(br, t, "vxnet0");
  const OvsState scoped = ScopedView(b.s, ScopeFor(d), &transactions);
  EXPECT_EQ(transactions, 1);
  EXPECT_TRUE(PlanReconcile(d, scoped).empty());
  ExpectSameDecisions(b.s, d);
}

TEST(ReadScope, GuestTapsAndAnOperatorsPortOnTheBridgeAreReadByUuid) {
  StateBuilder b;
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  const std::string br = b.OwnBridge("ovs-sw0", "vxnet0");
  b.Tunnel(br, d.tunnels[0], "vxnet0");
  const std::string tap = b.Port(br, "vnet0", "", {}, "", {{"attached-mac", "52:54:00:e8:6a:6e"}});
  b.Port(br, "op-mirror", "internal");
  int transactions = 0;
  const OvsState scoped = ScopedView(b.s, ScopeFor(d), &transactions);
  EXPECT_EQ(transactions, 3);  // the ports, then their interfaces
  EXPECT_TRUE(scoped.ports.count(tap));
  EXPECT_TRUE(scoped.interfaces.count(b.s.ports.at(tap).interfaces[0]));
  ExpectSameDecisions(b.s, d);
  // Teardown keeps the bridge while they are on it.
  EXPECT_FALSE(PlanTeardown("vxnet0", "ovs-sw0", ScopedView(b.s, ReadScope{"vxnet0", "ovs-sw0", std::nullopt, true, false, true, std::nullopt}))
                   .delete_bridge);
}

TEST(ReadScope, EveryRefusalOfTheWholeStateIsMadeFromTheScopedRead) {
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2", "198.18.0.3"}), 1450);
  std::vector<std::pair<std::string, StateBuilder>> cases;
  {
    StateBuilder b;  // a bridge that carries another network's tunnel
    const std::string br = b.OwnBridge("ovs-sw0", "vxnet0");
    b.Tunnel(br, DesiredFromSpec(Spec({"198.18.0.9"}, "other"), 1450).tunnels[0], "other");
    cases.emplace_back("other network's tunnel", b);
  }
  {
    StateBuilder b;  // someone else's bridge with a port of its own
    const std::string br = b.Bridge("ovs-sw0");
    b.Port(br, "ovs-sw0", "internal");
    b.Port(br, "eth1", "");
    cases.emplace_back("foreign bridge", b);
  }
  {
    StateBuilder b;  // a foreign duplicate of a declared tunnel, on another bridge, in other spelling
    const std::string br = b.Bridge("br-op");
    b.Port(br, "br-op", "internal");
    b.Port(br, "vxlan0", "vxlan", {{"remote_ip", "198.18.0.3"}, {"key", "100"}, {"dst_port", "4789"}});
    cases.emplace_back("duplicate tunnel", b);
  }
  {
    StateBuilder b;  // a misnamed local port (NetworkManager)
    const std::string br = b.Bridge("ovs-sw0");
    b.Port(br, "ovs-sw0-port", "internal", {}, "", {}, std::nullopt, "ovs-sw0-if");
    cases.emplace_back("misnamed local port", b);
  }
  {
    StateBuilder b;  // the bridge name is a port elsewhere
    const std::string br = b.Bridge("br-op");
    b.Port(br, "br-op", "internal");
    b.Port(br, "ovs-sw0", "internal");
    cases.emplace_back("name clash", b);
  }
  {
    StateBuilder b;  // another network's bridge
    b.OwnBridge("ovs-sw0", "net-a");
    cases.emplace_back("bridge of another network", b);
  }
  {
    StateBuilder b;  // ovs-vswitchd reports an error on our tunnel
    const std::string br = b.OwnBridge("ovs-sw0", "vxnet0");
    b.Tunnel(br, d.tunnels[0], "vxnet0");
    const std::string p = b.Tunnel(br, d.tunnels[1], "vxnet0");
    b.s.interfaces[b.s.ports[p].interfaces[0]].error = "could not add network device";
    cases.emplace_back("interface error", b);
  }
  for (auto& [what, b] : cases) {
    SCOPED_TRACE(what);
    const OvsState scoped = ScopedView(b.s, ScopeFor(d));
    if (what != "interface error") {
      EXPECT_THROW(PlanReconcile(d, scoped), Error);
    }
    ExpectSameDecisions(b.s, d);
  }
}

TEST(ReadScope, ChangesOnOwnRowsAnywhereAreTheSame) {
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2", "198.18.0.3"}), 1450);
  StateBuilder b;
  const std::string br = b.OwnBridge("ovs-sw0", "vxnet0", 1500);          // MTU drifted
  b.Tunnel(br, DesiredFromSpec(Spec({"198.18.0.4"}), 1450).tunnels[0], "vxnet0");  // a dropped peer
  const std::string old = b.Bridge("ovs-old", "vxnet0");                 // the bridge was renamed
  b.Port(old, "ovs-old", "internal", {}, "vxnet0");
  b.Tunnel(old, d.tunnels[0], "vxnet0");
  const std::string nm_elsewhere = b.Bridge("br-nm");                     // and one left on a bridge
  b.Port(nm_elsewhere, "br-nm", "internal");                              // vxnet did not make
  b.Tunnel(nm_elsewhere, DesiredFromSpec(Spec({"198.18.0.5"}), 1450).tunnels[0], "vxnet0");
  const std::string p = b.Tunnel(br, d.tunnels[1], "vxnet0");
  b.s.interfaces[b.s.ports[p].interfaces[0]].options["key"] = "99";       // edited by hand
  b.s.interfaces[b.s.ports[p].interfaces[0]].external_ids.clear();        // and no longer marked as ours
  ExpectSameDecisions(b.s, d);
  EXPECT_GE(PlanReconcile(d, ScopedView(b.s, ScopeFor(d))).Describe().size(), 5u);

  // A bridge vxnet did not make, with guests: its MTU is recorded and set,
  // and put back at teardown.
  StateBuilder nm;
  const std::string nm_br = nm.Bridge("ovs-sw0");
  nm.Port(nm_br, "ovs-sw0", "internal", {}, "", {}, 1500);
  nm.Port(nm_br, "vnet3", "", {}, "", {{"iface-id", "x"}});
  ExpectSameDecisions(nm.s, d);
  nm.s.interfaces[nm.s.ports[nm.s.bridges[nm_br].ports[0]].interfaces[0]].external_ids = {
      {kSavedMtuRequestKey, "1500"}, {kMtuBorrowerKey, "vxnet0"}};
  ExpectSameDecisions(nm.s, d);
}

TEST(ReadScope, AForeignPortWithATunnelsNameElsewhereMakesOvsdbRefuseTheInsert) {
  // Not read (no owner, not vxlan, on another bridge): the scoped plan adds
  // the tunnel, and the insert of a second Port of that name breaks OVSDB's
  // unique index, so Converge reads whole tables and refuses as they say.
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  StateBuilder b;
  const std::string br = b.Bridge("br-op");
  b.Port(br, "br-op", "internal");
  b.Port(br, d.tunnels[0].name, "internal");
  const OvsState scoped = ScopedView(b.s, ScopeFor(d));
  const Plan plan = PlanReconcile(d, scoped);
  ASSERT_EQ(plan.add.size(), 1u);
  EXPECT_NE(BuildTransaction(plan, d, scoped).Parsed().dump().find(R"("table":"Port","uuid-name":"tun_port_0")"), std::string::npos);
  try {
    PlanReconcile(d, b.s);
    FAIL() << "the whole state accepted a foreign port with the tunnel's name";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exists and was not made by vxnet"), std::string::npos) << e.what();
  }
}

TEST(ReadScope, RowsReadWholeAreNeverReplacedByTheNarrowerIdentityRows) {
  OvsState s;
  const Json whole_op = {{"op", "select"}, {"table", "Interface"}, {"columns", {"name", "type", "options", "mtu_request"}}};
  const Json identity_op = {{"op", "select"}, {"table", "Interface"}, {"columns", {"name", "type", "options"}}};
  const Json row = {{"_uuid", data::Uuid("u1")}, {"name", "ovs-sw0"}, {"type", "internal"}, {"options", data::Map({})},
                    {"mtu_request", 1450}};
  MergeSelectResult(s, whole_op, Json{{"rows", {row}}});
  Json narrow = row;
  narrow.erase("mtu_request");
  MergeSelectResult(s, identity_op, Json{{"rows", {narrow}}});
  EXPECT_EQ(s.interfaces.at("u1").mtu_request, 1450);
}

TEST(ReadScope, TheDuplicateCheckReadsTunnelsWithTheNetworksKeyAndAllForVni0) {
  // Other networks' and an operator's tunnels with other VNIs are not read;
  // a duplicate with this VNI is, on any bridge; with VNI 0, a tunnel
  // without a key option is one too.
  StateBuilder b;
  const std::string op = b.Bridge("br-op");
  b.Port(op, "br-op", "internal");
  for (int i = 0; i < 20; ++i)
    b.Port(op, "other" + std::to_string(i), "vxlan", {{"remote_ip", "198.18.0.2"}, {"key", std::to_string(1000 + i)}});
  const std::string keyless = b.Port(op, "keyless", "vxlan", {{"remote_ip", "198.18.0.2"}});
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  const OvsState scoped = ScopedView(b.s, ScopeFor(d));
  EXPECT_EQ(scoped.narrow_interfaces.size(), 0u) << "tunnels of other VNIs were read";
  ExpectSameDecisions(b.s, d);

  NetworkSpec zero = Spec({"198.18.0.2"});
  zero.vni = 0;
  const DesiredNetwork d0 = DesiredFromSpec(zero, 1450);
  EXPECT_FALSE(ScopeFor(d0).vxlan_key);
  try {
    PlanReconcile(d0, ScopedView(b.s, ScopeFor(d0)));
    FAIL() << "a keyless foreign tunnel is a duplicate of a VNI 0 tunnel";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tunnel 'keyless'"), std::string::npos) << e.what();
  }
  ExpectSameDecisions(b.s, d0);

  b.Port(op, "same-vni", "vxlan", {{"remote_ip", "198.18.0.2"}, {"key", "100"}});
  EXPECT_THROW(PlanReconcile(d, ScopedView(b.s, ScopeFor(d))), Error);
  ExpectSameDecisions(b.s, d);
  EXPECT_FALSE(ScopeFor(DesiredFromSpec(Spec({}), 1450)).vxlan_identities);
  (void)keyless;
}

TEST(ReadScope, ABridgePortsInterfaceSeenOnlyForTheDuplicateCheckIsReadWhole) {
  // Someone turned one of our tunnels' interfaces into theirs: the
  // duplicate check reads it with four columns; being on the bridge, the
  // completion reads all of them.
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  StateBuilder b;
  const std::string br = b.OwnBridge("ovs-sw0", "vxnet0");
  const std::string p = b.Tunnel(br, d.tunnels[0], "vxnet0");
  InterfaceRow& iface = b.s.interfaces[b.s.ports[p].interfaces[0]];
  iface.external_ids.clear();
  iface.error = "reported by ovs-vswitchd";
  OvsState first;
  first.partial = true;
  for (const auto& op : ScopedReadOperations(ScopeFor(d))) MergeSelectResult(first, op, Answer(b.s, op));
  EXPECT_TRUE(first.narrow_interfaces.count(iface.uuid));
  EXPECT_NE(CompletionOperations(first, "ovs-sw0").dump().find(iface.uuid), std::string::npos);
  const OvsState scoped = ScopedView(b.s, ScopeFor(d));
  EXPECT_FALSE(scoped.narrow_interfaces.count(iface.uuid));
  EXPECT_EQ(scoped.interfaces.at(iface.uuid).error, "reported by ovs-vswitchd");
  ExpectSameDecisions(b.s, d);
}

TEST(BuildTransaction, EndsByReadingNextCfgAndCurCfgForTheWait) {
  StateBuilder b;
  const DesiredNetwork d = DesiredFromSpec(Spec({"198.18.0.2"}), 1450);
  const Json ops = BuildTransaction(PlanReconcile(d, b.s), d, b.s).Parsed();
  EXPECT_EQ(ops.back().at("columns"), Json::array({"next_cfg", "cur_cfg"}));
}

}  // namespace
}  // namespace vxnet::ovs
