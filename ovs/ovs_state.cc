#include "ovs/ovs_state.h"

#include "common/error.h"

namespace vxnet::ovs {

namespace data {

Json Uuid(const std::string& uuid) { return Json::array({"uuid", uuid}); }
Json NamedUuid(const std::string& name) { return Json::array({"named-uuid", name}); }
Json UuidSet(const std::vector<Json>& uuids) { return Json::array({"set", uuids}); }
Json EmptySet() { return Json::array({"set", Json::array()}); }

Json Map(const StringMap& map) {
  Json pairs = Json::array();
  for (const auto& [k, v] : map) pairs.push_back(Json::array({k, v}));
  return Json::array({"map", pairs});
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

OvsState ReadState(OvsdbClient& client, const Deadline& deadline) {
  Json ops = Json::array({
      Select("Open_vSwitch", {"next_cfg", "cur_cfg"}),
      Select("Bridge", {"name", "ports", "datapath_type", "external_ids"}),
      Select("Port", {"name", "interfaces", "protected", "external_ids"}),
      Select("Interface", {"name", "type", "options", "mtu_request", "external_ids", "error", "ofport", "link_state", "bfd", "bfd_status"}),
  });
  Json result = client.Transact("Open_vSwitch", ops, deadline);
  for (const auto& r : result)
    if (r.is_object() && r.contains("error") && !r["error"].is_null()) {
      CheckSchema(client, deadline);  // names a missing column precisely
      throw Error("OVSDB read", client.endpoint().text, "failed: " + Printable(r.dump(), 200));
    }
  OvsState state;
  try {
    const Json& root_rows = result.at(0).at("rows");
    if (root_rows.size() != 1)
      throw Error("OVSDB", client.endpoint().text, "has no Open_vSwitch row", "is this an Open vSwitch database?");
    state.root_uuid = UuidOf(root_rows[0]);
    state.next_cfg = root_rows[0].at("next_cfg").get<std::int64_t>();
    state.cur_cfg = root_rows[0].at("cur_cfg").get<std::int64_t>();
    for (const auto& row : result.at(1).at("rows")) {
      BridgeRow b{UuidOf(row), row.at("name"), row.at("datapath_type"), data::DecodeUuidSet(row.at("ports")),
                  data::DecodeMap(row.at("external_ids"))};
      state.bridges[b.uuid] = std::move(b);
    }
    for (const auto& row : result.at(2).at("rows")) {
      PortRow p{UuidOf(row), row.at("name"), data::DecodeUuidSet(row.at("interfaces")),
                DecodeOptional<bool>(row.at("protected")).value_or(false), data::DecodeMap(row.at("external_ids"))};
      state.ports[p.uuid] = std::move(p);
    }
    for (const auto& row : result.at(3).at("rows")) {
      InterfaceRow i{UuidOf(row),
                     row.at("name"),
                     row.at("type"),
                     data::DecodeMap(row.at("options")),
                     data::DecodeMap(row.at("external_ids")),
                     DecodeOptional<std::int64_t>(row.at("mtu_request")),
                     DecodeOptional<std::string>(row.at("error")).value_or(""),
                     DecodeOptional<std::int64_t>(row.at("ofport")),
                     DecodeOptional<std::string>(row.at("link_state")).value_or(""),
                     data::DecodeMap(row.at("bfd")),
                     data::DecodeMap(row.at("bfd_status"))};
      state.interfaces[i.uuid] = std::move(i);
    }
  } catch (const Json::exception& e) {
    throw Error("OVSDB", client.endpoint().text, std::string("answered with unexpected data: ") + e.what());
  }
  return state;
}

}  // namespace vxnet::ovs
