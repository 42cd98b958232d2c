#include "ovn/chassis.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/uuid.h"
#include "ovn/remote.h"
#include "ovs/reconcile.h"
#include "xml/network_spec.h"

namespace vxnet::ovn {

namespace {

using ovs::Json;
using ovs::StringMap;
namespace data = ovs::data;

constexpr const char* kOvs = "Open_vSwitch";
constexpr int kMaxAttempts = 6;

std::vector<std::string> SplitKeys(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ",") + k;
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  const auto b = s.find_first_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b);
}

Json RootWhere(const std::string& uuid) { return Json::array({Json::array({"_uuid", "==", data::Uuid(uuid)})}); }

}  // namespace

std::vector<std::string> ChassisPlan::Describe() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : set) out.push_back("set Open_vSwitch external_ids:" + k + "=" + v);
  return out;
}

ChassisPlan PlanChassis(const ChassisSettings& want, const StringMap& ids, const std::string& network,
                        const std::string& new_system_id, const ActiveFn& active) {
  ChassisPlan plan;
  auto get = [&](const std::string& k) -> const std::string* {
    auto it = ids.find(k);
    return it == ids.end() ? nullptr : &it->second;
  };
  std::vector<std::string> owned = get(kOwnedKeysKey) ? SplitKeys(*get(kOwnedKeysKey)) : std::vector<std::string>{};
  const std::string owner = get(kOwnerNetworkKey) ? *get(kOwnerNetworkKey) : "";
  auto is_owned = [&](const std::string& k) { return std::find(owned.begin(), owned.end(), k) != owned.end(); };
  auto own = [&](const std::string& k) {
    if (!is_owned(k)) owned.push_back(k);
  };

  if (const std::string* id = get("system-id"); id && !id->empty()) {
    plan.system_id = *id;
  } else {
    plan.system_id = new_system_id;
    plan.set["system-id"] = new_system_id;
    own("system-id");
  }

  auto want_key = [&](const std::string& key, const std::string& value, bool keep_present) {
    const std::string* have = get(key);
    if (have && *have == value) return;
    if (have && keep_present) return;
    if (have) {
      const bool mine = is_owned(key) && (owner == network || owner.empty() || !active(owner));
      if (!mine) {
        const std::string whose = is_owned(key) ? "set by vxnet for network '" + owner + "', which is active"
                                                : "set by someone else";
        throw Error("Open_vSwitch external_ids:" + key, *have,
                    "is " + whose + ", and network '" + network + "' needs '" + value +
                        "' (one host is one OVN chassis, of one Southbound DB)",
                    "give the network the same setting, or, if nothing else uses this chassis, "
                    "'ovs-vsctl remove Open_vSwitch . external_ids " + key + "'");
      }
    }
    plan.set[key] = value;
    own(key);
  };
  want_key("ovn-remote", want.remote, false);
  want_key("ovn-encap-type", want.encap_type, false);
  if (!want.encap_ip.empty()) want_key("ovn-encap-ip", want.encap_ip, false);
  want_key("ovn-bridge-datapath-type", want.datapath_type, false);
  if (!want.bridge.empty() && want.bridge != kOvnDefaultBridge) want_key("ovn-bridge", want.bridge, false);
  plan.owned = owned;
  return plan;
}

std::string PersistentSystemId(const std::string& file) {
  if (FILE* f = std::fopen(file.c_str(), "re")) {
    char buf[256] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    const std::string id = Trim(std::string(buf, n));
    if (!id.empty() && id.find_first_of(" \t\n,=") == std::string::npos) return id;
  }
  const std::string id = RandomUuid();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
  WriteFileAtomically(file, id + "\n", 0644, "system-id file",
                      "set one: ovs-vsctl set Open_vSwitch . external_ids:system-id=$(uuidgen), or fix system_id_file in vxnet.conf");
  return id;
}

namespace {

struct RootRow {
  std::string uuid;
  StringMap external_ids;
};

RootRow ReadRoot(ovs::OvsdbClient& client, const Deadline& deadline) {
  Json r = client.Transact(kOvs, Json::array({{{"op", "select"}, {"table", "Open_vSwitch"}, {"where", Json::array()},
                                               {"columns", Json::array({"_uuid", "external_ids"})}}}),
                           deadline);
  try {
    const Json& rows = r.at(0).at("rows");
    if (rows.size() != 1) throw Error("OVSDB", client.endpoint().text, "has no Open_vSwitch row");
    return {rows[0].at("_uuid").at(1).get<std::string>(), data::DecodeMap(rows[0].at("external_ids"))};
  } catch (const Json::exception& e) {
    throw Error("OVSDB", client.endpoint().text, std::string("answered with unexpected data: ") + e.what());
  }
}

}  // namespace

StringMap ReadChassisSettings(ovs::OvsdbClient& client, const Deadline& deadline) {
  return ReadRoot(client, deadline).external_ids;
}

ChassisPlan EnsureChassis(ovs::OvsdbClient& client, const ChassisSettings& want, const std::string& network,
                          const std::string& system_id_file, const ActiveFn& active, const Deadline& deadline) {
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    const RootRow root = ReadRoot(client, deadline);
    const bool has_id = root.external_ids.count("system-id") && !root.external_ids.at("system-id").empty();
    ChassisPlan plan = PlanChassis(want, root.external_ids, network, has_id ? "" : PersistentSystemId(system_id_file), active);
    if (plan.empty()) return plan;
    std::vector<Json> keys;
    StringMap insert = plan.set;
    insert[kOwnedKeysKey] = JoinKeys(plan.owned);
    insert[kOwnerNetworkKey] = network;
    for (const auto& [k, v] : insert) keys.push_back(k);
    const Json ops = Json::array({
        {{"op", "comment"}, {"comment", "vxnet: OVN chassis settings for network " + network}},
        {{"op", "wait"}, {"timeout", 0}, {"table", "Open_vSwitch"}, {"where", RootWhere(root.uuid)},
         {"columns", Json::array({"external_ids"})}, {"until", "=="},
         {"rows", Json::array({Json{{"external_ids", data::Map(root.external_ids)}}})}},
        {{"op", "mutate"}, {"table", "Open_vSwitch"}, {"where", RootWhere(root.uuid)},
         {"mutations", Json::array({Json::array({"external_ids", "delete", Json::array({"set", keys})}),
                                    Json::array({"external_ids", "insert", data::Map(insert)})})}},
    });
    if (TransactOrRetry(client, kOvs, ops, deadline)) return plan;
  }
  throw Error("Open_vSwitch external_ids", "", "kept changing underneath; the OVN chassis settings were not written",
              "look for another program rewriting them");
}

std::vector<std::string> EnsureHostPort(ovs::OvsdbClient& client, const std::string& bridge, const std::string& port,
                                        const std::string& network, const std::string& lsp, const std::string& mac,
                                        std::optional<int> mtu, const Deadline& deadline) {
  const ovs::OvsState state = ovs::ReadState(client, deadline);
  const ovs::OvsIndex index(state);
  const ovs::BridgeRow* br = index.Bridge(bridge);
  if (!br)
    throw Error("integration bridge", bridge, "does not exist", "is ovn-controller running on this host?");
  const StringMap owned{{kOwnerKey, network}};
  const StringMap iface_ids{{kOwnerKey, network}, {"iface-id", lsp}};
  Json iface_row{{"name", port}, {"type", "internal"}, {"mac", mac}, {"external_ids", data::Map(iface_ids)}};
  iface_row["mtu_request"] = mtu ? Json(*mtu) : data::EmptySet();
  const Json root_where = RootWhere(state.root_uuid);
  Json ops = Json::array({{{"op", "comment"}, {"comment", "vxnet: host port of network " + network}}});
  std::vector<std::string> changes;
  if (const ovs::PortRow* p = index.Port(port)) {
    auto owner = p->external_ids.find(kOwnerKey);
    if (owner == p->external_ids.end() || owner->second != network)
      throw Error("port", port, "exists and is not vxnet's for network '" + network + "'", "remove or rename it");
    const ovs::BridgeRow* on = index.BridgeOfPort(p->uuid);
    if (!on || on->name != bridge)
      throw Error("port", port, "is on bridge '" + (on ? on->name : std::string("?")) + "', not " + bridge,
                  "restart the network");
    const ovs::InterfaceRow* i = p->interfaces.empty() ? nullptr : state.Interface(p->interfaces.front());
    if (!i) throw Error("port", port, "has no interface", "restart the network");
    const bool same = i->type == "internal" && i->external_ids == iface_ids &&
                      i->mtu_request == (mtu ? std::optional<std::int64_t>(*mtu) : std::nullopt);
    if (same) return changes;
    iface_row.erase("name");
    ops.push_back({{"op", "update"}, {"table", "Interface"},
                   {"where", Json::array({Json::array({"_uuid", "==", data::Uuid(i->uuid)})})}, {"row", iface_row}});
    changes.push_back("update host port " + port + " (iface-id " + lsp + ")");
  } else {
    ops.push_back({{"op", "insert"}, {"table", "Interface"}, {"row", iface_row}, {"uuid-name", "host_iface"}});
    ops.push_back({{"op", "insert"}, {"table", "Port"},
                   {"row", {{"name", port}, {"interfaces", data::NamedUuid("host_iface")}, {"external_ids", data::Map(owned)}}},
                   {"uuid-name", "host_port"}});
    ops.push_back({{"op", "mutate"}, {"table", "Bridge"},
                   {"where", Json::array({Json::array({"_uuid", "==", data::Uuid(br->uuid)})})},
                   {"mutations", Json::array({Json::array({"ports", "insert", data::UuidSet({data::NamedUuid("host_port")})})})}});
    changes.push_back("add host port " + port + " on " + bridge + " (iface-id " + lsp + ", mac " + mac + ")");
  }
  ops.push_back({{"op", "mutate"}, {"table", "Open_vSwitch"}, {"where", root_where},
                 {"mutations", Json::array({Json::array({"next_cfg", "+=", 1})})}});
  ops.push_back({{"op", "select"}, {"table", "Open_vSwitch"}, {"where", root_where}, {"columns", Json::array({"next_cfg"})}});
  Json result;
  if (!TransactOrRetry(client, kOvs, ops, deadline, &result))
    throw Error("port", port, "could not be added: OVSDB changed underneath", "restart the network");
  ovs::WaitApplied(client, result.at(ops.size() - 1).at("rows").at(0).at("next_cfg").get<std::int64_t>(), deadline);
  const Json verdict = client.Transact(kOvs, Json::array({{{"op", "select"}, {"table", "Interface"},
                                                             {"where", Json::array({Json::array({"name", "==", port})})},
                                                             {"columns", Json::array({"error", "ofport"})}}}),
                                       deadline);
  for (const auto& row : verdict.at(0).at("rows")) {
    if (const Json& error = row.at("error"); error.is_string())
      throw Error("host port", port, "ovs-vswitchd reports: " + Printable(error.get<std::string>(), 200),
                  "check ovs-vswitchd's log and the integration bridge's datapath type");
  }
  return changes;
}

bool WaitForBridge(ovs::OvsdbClient& client, const std::string& bridge, const std::string& datapath_type,
                   const Deadline& deadline) {
  const auto left = deadline.remaining().count();
  if (left <= 20) return false;
  Json where = Json::array({Json::array({"name", "==", bridge})});
  if (!datapath_type.empty() && datapath_type != "system") where.push_back(Json::array({"datapath_type", "==", datapath_type}));
  const Json ops = Json::array({{{"op", "wait"}, {"timeout", left - 10}, {"table", "Bridge"},
                                 {"where", where},
                                 {"columns", Json::array({"name"})}, {"until", "!="}, {"rows", Json::array()}}});
  return TransactOrRetry(client, kOvs, ops, deadline);
}

}  // namespace vxnet::ovn
