#include "ovs/ovs_state.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "xml/network_spec.h"

namespace vxnet::ovs {

namespace data {

namespace {
// ["a", b]: built in place; an initializer list would copy both.
Json Pair(Json a, Json b) {
  Json::array_t pair;
  pair.reserve(2);
  pair.push_back(std::move(a));
  pair.push_back(std::move(b));
  return Json(std::move(pair));
}
}  // namespace

Json Uuid(const std::string& uuid) { return Pair("uuid", uuid); }
Json NamedUuid(const std::string& name) { return Pair("named-uuid", name); }
Json UuidSet(const std::vector<Json>& uuids) { return Pair("set", uuids); }
Json EmptySet() { return Pair("set", Json::array()); }

Json Map(const StringMap& map) {
  Json::array_t pairs;
  pairs.reserve(map.size());
  for (const auto& [k, v] : map) pairs.push_back(Pair(k, v));
  return Pair("map", std::move(pairs));
}

namespace {
// ["uuid", "<string>"]
bool IsUuidAtom(const Json& atom) { return atom.is_array() && atom.size() == 2 && atom[0] == "uuid" && atom[1].is_string(); }
}  // namespace

std::vector<std::string> DecodeUuidSet(const Json& value) {
  std::vector<std::string> out;
  if (IsUuidAtom(value)) {
    out.push_back(value[1].get<std::string>());
  } else if (value.is_array() && value.size() == 2 && value[0] == "set" && value[1].is_array()) {
    for (const auto& atom : value[1])
      if (IsUuidAtom(atom)) out.push_back(atom[1].get<std::string>());
  }
  return out;
}

StringMap DecodeMap(const Json& value) {
  StringMap out;
  if (value.is_array() && value.size() == 2 && value[0] == "map" && value[1].is_array())
    for (const auto& pair : value[1])
      if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
        out[pair[0].get<std::string>()] = pair[1].get<std::string>();
  return out;
}

}  // namespace data

namespace {

// An optional column (min 0, max 1) is either the atom or an empty set.
template <typename T>
std::optional<T> DecodeOptional(const Json& value) {
  if (value.is_array()) return std::nullopt;  // ["set", []]
  return value.get<T>();
}

std::string UuidOf(const Json& row) { return row.at("_uuid").at(1).get<std::string>(); }

Json Select(const char* table, std::initializer_list<const char*> columns) {
  Json cols = Json::array({"_uuid"});
  for (const char* c : columns) cols.push_back(c);
  return Json{{"op", "select"}, {"table", table}, {"where", Json::array()}, {"columns", cols}};
}

}  // namespace

const BridgeRow* OvsState::FindBridge(const std::string& name) const {
  for (const auto& [uuid, b] : bridges)
    if (b.name == name) return &b;
  return nullptr;
}

const PortRow* OvsState::FindPort(const std::string& name) const {
  for (const auto& [uuid, p] : ports)
    if (p.name == name) return &p;
  return nullptr;
}

const BridgeRow* OvsState::BridgeOfPort(const std::string& port_uuid) const {
  for (const auto& [uuid, b] : bridges)
    for (const auto& p : b.ports)
      if (p == port_uuid) return &b;
  return nullptr;
}

const InterfaceRow* OvsState::Interface(const std::string& uuid) const {
  auto it = interfaces.find(uuid);
  return it == interfaces.end() ? nullptr : &it->second;
}

OvsIndex::OvsIndex(const OvsState& state) {
  for (const auto& [uuid, p] : state.ports) port_by_name[p.name] = &p;
  for (const auto& [uuid, b] : state.bridges) {
    bridge_by_name[b.name] = &b;
    for (const auto& p : b.ports) bridge_of_port[p] = &b;
  }
}

namespace {
template <typename Map>
auto Lookup(const Map& map, const std::string& key) -> typename Map::mapped_type {
  auto it = map.find(key);
  return it == map.end() ? nullptr : it->second;
}
}  // namespace

const PortRow* OvsIndex::Port(const std::string& name) const { return Lookup(port_by_name, name); }
const BridgeRow* OvsIndex::Bridge(const std::string& name) const { return Lookup(bridge_by_name, name); }
const BridgeRow* OvsIndex::BridgeOfPort(const std::string& uuid) const { return Lookup(bridge_of_port, uuid); }

namespace {

// The columns vxnet reads or writes, and the OVS release that added the
// newest of them (Interface.mtu_request: 2.6).
const std::vector<std::pair<std::string, std::vector<std::string>>> kRequiredColumns = {
    {"Open_vSwitch", {"bridges", "next_cfg", "cur_cfg"}},
    {"Bridge", {"name", "ports", "datapath_type", "external_ids"}},
    {"Port", {"name", "interfaces", "protected", "external_ids"}},
    {"Interface", {"name", "type", "options", "mtu_request", "external_ids", "error", "ofport", "link_state", "bfd", "bfd_status"}},
};

}  // namespace

void CheckSchema(OvsdbClient& client, const Deadline& deadline) {
  CheckSchemaDocument(client.Call("get_schema", Json::array({"Open_vSwitch"}), deadline));
}

void CheckSchemaDocument(const Json& schema) {
  const std::string version = schema.value("version", std::string("?"));
  for (const auto& [table, columns] : kRequiredColumns) {
    const Json* t = schema.contains("tables") && schema["tables"].contains(table) ? &schema["tables"][table] : nullptr;
    for (const auto& column : columns)
      if (!t || !t->contains("columns") || !(*t)["columns"].contains(column))
        throw Error("Open vSwitch schema " + version, table + "." + column,
                    "is missing; vxnet needs Open vSwitch 2.6 or later", "upgrade Open vSwitch");
  }
}

namespace {

// A column absent from a row (not selected) decodes as empty.
const Json& Column(const Json& row, const char* name) {
  static const Json kAbsent;
  auto it = row.find(name);
  return it == row.end() ? kAbsent : *it;
}

template <typename T>
std::optional<T> OptionalColumn(const Json& row, const char* name) {
  const Json& value = Column(row, name);
  if (value.is_null()) return std::nullopt;
  return DecodeOptional<T>(value);
}

BridgeRow DecodeBridge(const Json& row) {
  return {UuidOf(row), row.at("name").get<std::string>(), OptionalColumn<std::string>(row, "datapath_type").value_or(""),
          data::DecodeUuidSet(Column(row, "ports")), data::DecodeMap(Column(row, "external_ids"))};
}

PortRow DecodePort(const Json& row) {
  return {UuidOf(row), row.at("name").get<std::string>(), data::DecodeUuidSet(Column(row, "interfaces")),
          OptionalColumn<bool>(row, "protected").value_or(false), data::DecodeMap(Column(row, "external_ids"))};
}

InterfaceRow DecodeInterface(const Json& row) {
  return {UuidOf(row),
          row.at("name").get<std::string>(),
          OptionalColumn<std::string>(row, "type").value_or(""),
          data::DecodeMap(Column(row, "options")),
          data::DecodeMap(Column(row, "external_ids")),
          OptionalColumn<std::int64_t>(row, "mtu_request"),
          OptionalColumn<std::string>(row, "error").value_or(""),
          OptionalColumn<std::int64_t>(row, "ofport"),
          OptionalColumn<std::string>(row, "link_state").value_or(""),
          data::DecodeMap(Column(row, "bfd")),
          data::DecodeMap(Column(row, "bfd_status"))};
}

void ThrowIfAnyFailed(OvsdbClient& client, const Json& result, const Deadline& deadline) {
  for (const auto& r : result)
    if (r.is_object() && r.contains("error") && !r["error"].is_null()) {
      CheckSchema(client, deadline);  // names a missing column precisely
      throw Error("OVSDB read", client.endpoint().text, "failed: " + Printable(r.dump(), 200));
    }
}

// Columns of a scoped read: what planning and verification look at.
const std::initializer_list<const char*> kBridgeColumns = {"name", "ports", "datapath_type", "external_ids"};
const std::initializer_list<const char*> kPortColumns = {"name", "interfaces", "protected", "external_ids"};
const std::initializer_list<const char*> kInterfaceColumns = {"name",         "type",  "options", "mtu_request",
                                                              "external_ids", "error", "ofport",  "bfd"};
// A foreign tunnel, for the duplicate check only.
const std::initializer_list<const char*> kIdentityColumns = {"name", "type", "options", "external_ids"};

Json SelectWhere(const char* table, Json where, std::initializer_list<const char*> columns) {
  Json op = Select(table, columns);
  op["where"] = std::move(where);
  return op;
}

Json Clause(const char* column, const char* function, Json value) { return Json::array({column, function, std::move(value)}); }
Json ByName(const std::string& name) { return Json::array({Clause("name", "==", name)}); }
Json ByUuid(const std::string& uuid) { return Json::array({Clause("_uuid", "==", data::Uuid(uuid))}); }
Json OwnedBy(const std::string& network) {
  return Json::array({Clause("external_ids", "includes", data::Map({{kOwnerKey, network}}))});
}

}  // namespace

OvsState ReadState(OvsdbClient& client, const Deadline& deadline) {
  Json ops = Json::array({
      Select("Open_vSwitch", {"next_cfg", "cur_cfg"}),
      Select("Bridge", {"name", "ports", "datapath_type", "external_ids"}),
      Select("Port", {"name", "interfaces", "protected", "external_ids"}),
      Select("Interface", {"name", "type", "options", "mtu_request", "external_ids", "error", "ofport", "link_state", "bfd", "bfd_status"}),
  });
  Json result = client.Transact("Open_vSwitch", ops, deadline);
  ThrowIfAnyFailed(client, result, deadline);
  OvsState state;
  try {
    for (std::size_t i = 0; i < ops.size(); ++i) MergeSelectResult(state, ops[i], result.at(i));
  } catch (const Json::exception& e) {
    throw Error("OVSDB", client.endpoint().text, std::string("answered with unexpected data: ") + e.what());
  }
  if (state.root_uuid.empty())
    throw Error("OVSDB", client.endpoint().text, "has no Open_vSwitch row", "is this an Open vSwitch database?");
  return state;
}

Json ScopedReadOperations(const ReadScope& scope) {
  Json ops = Json::array({Select("Open_vSwitch", {"next_cfg", "cur_cfg"})});
  ops.push_back(SelectWhere("Bridge", ByName(scope.bridge), kBridgeColumns));
  if (scope.owned) {
    Json others = OwnedBy(scope.network);  // the network's other bridges (the one above is not read twice)
    others.push_back(Clause("name", "!=", scope.bridge));
    ops.push_back(SelectWhere("Bridge", std::move(others), kBridgeColumns));
  }
  // Foreign tunnels first: a row read whole below replaces its entry.
  if (scope.vxlan_identities) {
    Json where = Json::array(
        {Clause("type", "==", "vxlan"), Clause("external_ids", "excludes", data::Map({{kOwnerKey, scope.network}}))});
    if (scope.vxlan_key) where.push_back(Clause("options", "includes", data::Map({{"key", *scope.vxlan_key}})));
    ops.push_back(SelectWhere("Interface", std::move(where), kIdentityColumns));
  }
  if (scope.owned) {
    ops.push_back(SelectWhere("Port", OwnedBy(scope.network), kPortColumns));
    ops.push_back(SelectWhere("Interface", OwnedBy(scope.network), kInterfaceColumns));
  }
  ops.push_back(SelectWhere("Port", ByName(scope.bridge), kPortColumns));
  ops.push_back(SelectWhere("Interface", ByName(scope.bridge), kInterfaceColumns));
  if (scope.attach_port) ops.push_back(SelectWhere("Port", ByName(*scope.attach_port), kPortColumns));
  return ops;
}

Json CompletionOperations(const OvsState& state, const std::string& bridge_name) {
  Json ops = Json::array();
  std::set<std::string> ports, interfaces, on_a_bridge;
  for (const auto& [uuid, b] : state.bridges) on_a_bridge.insert(b.ports.begin(), b.ports.end());
  // Ports read on no bridge read: their bridge, by the port it holds.
  for (const auto& [uuid, p] : state.ports)
    if (!on_a_bridge.count(uuid))
      ops.push_back(SelectWhere("Bridge", Json::array({Clause("ports", "includes", data::Uuid(uuid))}), kBridgeColumns));
  if (const BridgeRow* bridge = state.FindBridge(bridge_name)) {
    for (const auto& p : bridge->ports) {
      auto it = state.ports.find(p);
      if (it == state.ports.end()) {
        ports.insert(p);
        continue;
      }
      for (const auto& i : it->second.interfaces)
        if (!state.interfaces.count(i) || state.narrow_interfaces.count(i)) interfaces.insert(i);
    }
  }
  for (const auto& p : ports) ops.push_back(SelectWhere("Port", ByUuid(p), kPortColumns));
  for (const auto& i : interfaces) ops.push_back(SelectWhere("Interface", ByUuid(i), kInterfaceColumns));
  return ops;
}

void MergeSelectResult(OvsState& state, const Json& op, const Json& result) {
  const std::string table = op.at("table").get<std::string>();
  const Json& rows = result.at("rows");
  if (table == "Open_vSwitch") {
    if (rows.size() != 1) return;  // the caller refuses a database without it
    state.root_uuid = UuidOf(rows[0]);
    state.next_cfg = rows[0].at("next_cfg").get<std::int64_t>();
    state.cur_cfg = rows[0].at("cur_cfg").get<std::int64_t>();
  } else if (table == "Bridge") {
    for (const auto& row : rows) {
      BridgeRow b = DecodeBridge(row);
      state.bridges[b.uuid] = std::move(b);
    }
  } else if (table == "Port") {
    for (const auto& row : rows) {
      PortRow p = DecodePort(row);
      state.ports[p.uuid] = std::move(p);
    }
  } else if (table == "Interface") {
    const Json& columns = op.at("columns");
    const bool whole = std::find(columns.begin(), columns.end(), Json("mtu_request")) != columns.end();
    for (const auto& row : rows) {
      InterfaceRow i = DecodeInterface(row);
      const std::string uuid = i.uuid;
      if (whole) {
        state.interfaces[uuid] = std::move(i);
        state.narrow_interfaces.erase(uuid);
      } else if (state.interfaces.emplace(uuid, std::move(i)).second) {
        state.narrow_interfaces.insert(uuid);
      }
    }
  }
}

OvsState ReadState(OvsdbClient& client, const ReadScope& scope, const Deadline& deadline) {
  return FinishRead(client, StartRead(client, scope, deadline), deadline);
}

PendingRead StartRead(OvsdbClient& client, const ReadScope& scope, const Deadline& deadline) {
  PendingRead read{scope, ScopedReadOperations(scope), 0};
  read.id = client.SendTransact("Open_vSwitch", read.operations, deadline);
  return read;
}

OvsState FinishRead(OvsdbClient& client, const PendingRead& read, const Deadline& deadline) {
  const ReadScope& scope = read.scope;
  OvsState state;
  state.partial = true;
  auto merge = [&](const Json& ops, const Json& result) {
    ThrowIfAnyFailed(client, result, deadline);
    try {
      for (std::size_t i = 0; i < ops.size(); ++i) MergeSelectResult(state, ops[i], result.at(i));
    } catch (const Json::exception& e) {
      throw Error("OVSDB", client.endpoint().text, std::string("answered with unexpected data: ") + e.what());
    }
  };
  auto apply = [&](const Json& ops) { merge(ops, client.Transact("Open_vSwitch", ops, deadline)); };
  merge(read.operations, client.AwaitTransact(read.id, deadline));
  if (state.root_uuid.empty())
    throw Error("OVSDB", client.endpoint().text, "has no Open_vSwitch row", "is this an Open vSwitch database?");
  // Ports read in the first completion bring interfaces of their own.
  for (int round = 0; scope.whole_bridge && round < 2; ++round) {
    const Json ops = CompletionOperations(state, scope.bridge);
    if (ops.empty()) break;
    apply(ops);
  }
  return state;
}

}  // namespace vxnet::ovs
