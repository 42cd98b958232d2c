#include "ovn/northbound.h"

#include <algorithm>

#include "common/error.h"
#include "ovn/remote.h"
#include "xml/network_spec.h"

namespace vxnet::ovn {

namespace {

using ovs::Json;
using ovs::StringMap;
namespace data = ovs::data;

constexpr int kMaxAttempts = 8;

Json WhereUuid(const std::string& uuid) { return Json::array({Json::array({"_uuid", "==", data::Uuid(uuid)})}); }
Json WhereName(const std::string& name) { return Json::array({Json::array({"name", "==", name})}); }

Json StringSet(const std::vector<std::string>& values) {
  if (values.size() == 1) return values.front();
  return Json::array({"set", values});
}

std::vector<std::string> DecodeStringSet(const Json& v) {
  if (v.is_string()) return {v.get<std::string>()};
  std::vector<std::string> out;
  if (v.is_array() && v.size() == 2 && v[0] == "set" && v[1].is_array())
    for (const auto& e : v[1])
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// A wait operation that holds the plan to what was read.
Json WaitRow(const std::string& table, const std::string& uuid, const Json& columns_and_values) {
  Json cols = Json::array();
  for (auto it = columns_and_values.begin(); it != columns_and_values.end(); ++it) cols.push_back(it.key());
  return {{"op", "wait"}, {"timeout", 0}, {"table", table}, {"where", WhereUuid(uuid)},
          {"columns", cols}, {"until", "=="}, {"rows", Json::array({columns_and_values})}};
}

Json UuidSetOf(const std::vector<std::string>& uuids) {
  std::vector<Json> v;
  for (const auto& u : uuids) v.push_back(data::Uuid(u));
  return data::UuidSet(v);
}

const LogicalSwitch* TheSwitch(const NbView& view, const std::string& sw, const std::string& network, bool may_be_absent) {
  if (view.switches.size() > 1)
    throw Error("OVN logical switch", sw, "exists " + std::to_string(view.switches.size()) + " times in the Northbound DB",
                "remove the duplicates (ovn-nbctl ls-list) so that one remains");
  if (view.switches.empty()) {
    if (may_be_absent) return nullptr;
    throw Error("OVN logical switch", sw, "does not exist in the Northbound DB", "restart the network " + network);
  }
  const LogicalSwitch& ls = view.switches.front();
  if (!IsVxnets(ls.external_ids))
    throw Error("OVN logical switch", sw, "exists and is not vxnet's (no external_ids:" + std::string(kOwnerKey) + ")",
                "name another switch (switch='…' in the network's metadata, vxnet-gen --switch), or add the key if vxnet "
                "may use it");
  return &ls;
}

// Inserts the switch (guarded: no switch of that name appeared meanwhile)
// and returns the named uuid to reference it by.
void InsertSwitch(NbChange& c, const std::string& sw, const std::string& network, const std::string& chassis,
                  const std::vector<Json>& ports) {
  c.ops.push_back({{"op", "wait"}, {"timeout", 0}, {"table", "Logical_Switch"}, {"where", WhereName(sw)},
                   {"columns", Json::array({"name"})}, {"until", "=="}, {"rows", Json::array()}});
  c.ops.push_back({{"op", "insert"}, {"table", "Logical_Switch"},
                   {"row", {{"name", sw}, {"ports", data::UuidSet(ports)},
                            {"external_ids", data::Map({{kOwnerKey, network}, {kSwitchMarkPrefix + chassis, network}})}}},
                   {"uuid-name", "ls"}});
  c.changes.push_back("create logical switch " + sw);
}

Json PortRow(const PortRequest& p, const std::string& network, const std::vector<std::string>& chassis) {
  StringMap options{{"requested-chassis", Join(chassis)}};
  if (chassis.size() > 1) options["activation-strategy"] = "rarp";
  StringMap ids{{kOwnerKey, network}};
  if (!p.domain.empty()) ids[kDomainKey] = p.domain;
  return {{"addresses", StringSet(p.addresses)}, {"options", data::Map(options)}, {"external_ids", data::Map(ids)}};
}

// Adds the port to the switch (creating the switch when missing), or
// brings an existing vxnet port in line. Shared by join and admit.
void EnsurePort(NbChange& c, const NbView& view, const LogicalSwitch* ls, const std::string& sw,
                const std::string& network, const std::string& chassis, const PortRequest& p, bool join_list) {
  if (!view.port) {
    Json row = PortRow(p, network, {chassis});
    row["name"] = p.name;
    c.ops.push_back({{"op", "insert"}, {"table", "Logical_Switch_Port"}, {"row", row}, {"uuid-name", "lsp"}});
    if (ls)
      c.ops.push_back({{"op", "mutate"}, {"table", "Logical_Switch"}, {"where", WhereUuid(ls->uuid)},
                       {"mutations", Json::array({Json::array({"ports", "insert", data::UuidSet({data::NamedUuid("lsp")})})})}});
    else
      InsertSwitch(c, sw, network, chassis, {data::NamedUuid("lsp")});
    c.changes.push_back("add logical port " + p.name + " to " + sw + " (" + Join(p.addresses) + ", requested-chassis " + chassis + ")");
    return;
  }
  const LogicalSwitchPort& lsp = *view.port;
  if (!IsVxnets(lsp.external_ids))
    throw Error("OVN logical switch port", p.name, "exists and is not vxnet's (no external_ids:" + std::string(kOwnerKey) + ")",
                "vxnet never changes a port it did not make; remove it or give the guest another interfaceid");
  const bool on_switch = ls && std::find(ls->ports.begin(), ls->ports.end(), lsp.uuid) != ls->ports.end();
  if (!on_switch && !view.holding_port.empty())
    throw Error("OVN logical switch port", p.name, "belongs to switch '" + view.holding_port.front().name + "', not " + sw,
                "give the guest's interface its own interfaceid");
  std::vector<std::string> list = RequestedChassis(lsp);
  const bool listed = std::find(list.begin(), list.end(), chassis) != list.end();
  if (list.empty() || (list.size() == 1 && listed) || !join_list) {
    list = {chassis};
  } else if (!listed) {
    list.push_back(chassis);  // a live migration's destination: blocked until the guest's RARP
    c.notes.push_back("logical port " + p.name + " is requested for " + Join(RequestedChassis(lsp)) +
                      "; this chassis joins the list until the move completes (activation-strategy=rarp)");
  }
  Json want = PortRow(p, network, list);
  StringMap ids = lsp.external_ids;  // keep keys others added
  for (const auto& [k, v] : data::DecodeMap(want["external_ids"])) ids[k] = v;
  want["external_ids"] = data::Map(ids);
  StringMap options = lsp.options;
  options.erase("activation-strategy");
  for (const auto& [k, v] : data::DecodeMap(want["options"])) options[k] = v;
  want["options"] = data::Map(options);
  const bool same = lsp.addresses == p.addresses && lsp.options == options && lsp.external_ids == ids;
  if (!same) {
    c.ops.push_back(WaitRow("Logical_Switch_Port", lsp.uuid, {{"options", data::Map(lsp.options)}}));
    c.ops.push_back({{"op", "update"}, {"table", "Logical_Switch_Port"}, {"where", WhereUuid(lsp.uuid)}, {"row", want}});
    c.changes.push_back("update logical port " + p.name + " (" + Join(p.addresses) + ", requested-chassis " + Join(list) + ")");
  }
  if (!on_switch) {
    if (ls)
      c.ops.push_back({{"op", "mutate"}, {"table", "Logical_Switch"}, {"where", WhereUuid(ls->uuid)},
                       {"mutations", Json::array({Json::array({"ports", "insert", UuidSetOf({lsp.uuid})})})}});
    else
      InsertSwitch(c, sw, network, chassis, {data::Uuid(lsp.uuid)});
    c.changes.push_back("attach logical port " + p.name + " to " + sw);
  }
}

// The release rule for one port; appends to `c`, returns whether the port
// is deleted (taken off every switch holding it).
bool Release(NbChange& c, const LogicalSwitchPort& lsp, const std::vector<std::string>& holders, const std::string& chassis) {
  if (!IsVxnets(lsp.external_ids)) {
    c.notes.push_back("logical port " + lsp.name + " is not vxnet's; left alone");
    return false;
  }
  std::vector<std::string> list = RequestedChassis(lsp);
  const bool listed = std::find(list.begin(), list.end(), chassis) != list.end();
  if (!list.empty() && !listed) {
    c.notes.push_back("logical port " + lsp.name + " is requested for " + Join(list) + " now; left to it");
    return false;
  }
  if (list.size() <= 1) {
    for (const auto& ls : holders)
      c.ops.push_back({{"op", "mutate"}, {"table", "Logical_Switch"}, {"where", WhereUuid(ls)},
                       {"mutations", Json::array({Json::array({"ports", "delete", UuidSetOf({lsp.uuid})})})}});
    c.changes.push_back("remove logical port " + lsp.name);
    return true;
  }
  std::erase(list, chassis);
  StringMap options = lsp.options;
  options["requested-chassis"] = Join(list);
  if (list.size() == 1) options.erase("activation-strategy");
  c.ops.push_back(WaitRow("Logical_Switch_Port", lsp.uuid, {{"options", data::Map(lsp.options)}}));
  c.ops.push_back({{"op", "update"}, {"table", "Logical_Switch_Port"}, {"where", WhereUuid(lsp.uuid)},
                   {"row", {{"options", data::Map(options)}}}});
  c.changes.push_back("logical port " + lsp.name + ": requested-chassis " + Join(list) + " (this chassis left it)");
  return false;
}

LogicalSwitchPort DecodePort(const Json& row) {
  LogicalSwitchPort p;
  p.uuid = row.at("_uuid").at(1).get<std::string>();
  p.name = row.at("name").get<std::string>();
  p.addresses = DecodeStringSet(row.at("addresses"));
  p.options = data::DecodeMap(row.at("options"));
  p.external_ids = data::DecodeMap(row.at("external_ids"));
  if (const Json& up = row.at("up"); up.is_boolean()) p.up = up.get<bool>();
  return p;
}

LogicalSwitch DecodeSwitch(const Json& row) {
  return {row.at("_uuid").at(1).get<std::string>(), row.at("name").get<std::string>(), data::DecodeUuidSet(row.at("ports")),
          data::DecodeMap(row.at("external_ids"))};
}

const Json kSwitchColumns = Json::array({"_uuid", "name", "ports", "external_ids"});
const Json kPortColumns = Json::array({"_uuid", "name", "addresses", "options", "external_ids", "up"});

}  // namespace

bool IsVxnets(const StringMap& external_ids) { return external_ids.count(kOwnerKey) > 0; }

std::vector<std::string> RequestedChassis(const LogicalSwitchPort& port) {
  std::vector<std::string> out;
  auto it = port.options.find("requested-chassis");
  if (it == port.options.end()) return out;
  std::size_t start = 0;
  const std::string& text = it->second;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string one = text.substr(start, comma - start);
    one.erase(0, one.find_first_not_of(' '));
    while (!one.empty() && one.back() == ' ') one.pop_back();
    if (!one.empty()) out.push_back(one);
    start = comma + 1;
  }
  return out;
}

NbChange PlanJoin(const NbView& view, const std::string& sw, const std::string& network, const std::string& chassis,
                  const std::optional<PortRequest>& host_port) {
  NbChange c;
  const LogicalSwitch* ls = TheSwitch(view, sw, network, true);
  if (ls) {
    const std::string mark = kSwitchMarkPrefix + chassis;
    auto it = ls->external_ids.find(mark);
    if (it == ls->external_ids.end() || it->second != network) {
      c.ops.push_back({{"op", "mutate"}, {"table", "Logical_Switch"}, {"where", WhereUuid(ls->uuid)},
                       {"mutations", Json::array({Json::array({"external_ids", "delete", Json::array({"set", Json::array({mark})})}),
                                                  Json::array({"external_ids", "insert", data::Map({{mark, network}})})})}});
      c.changes.push_back("logical switch " + sw + ": mark " + mark);
    }
  }
  if (host_port) {
    EnsurePort(c, view, ls, sw, network, chassis, *host_port, false);
  } else if (!ls) {
    InsertSwitch(c, sw, network, chassis, {});
  }
  return c;
}

NbChange PlanAdmit(const NbView& view, const std::string& sw, const std::string& network, const std::string& chassis,
                   const PortRequest& port) {
  NbChange c;
  const LogicalSwitch* ls = TheSwitch(view, sw, network, true);
  EnsurePort(c, view, ls, sw, network, chassis, port, true);
  return c;
}

NbChange PlanRelease(const NbView& view, const std::string& port, const std::string& chassis) {
  NbChange c;
  if (!view.port) {
    c.notes.push_back("logical port " + port + " does not exist; nothing to remove");
    return c;
  }
  std::vector<std::string> holders;
  for (const auto& ls : view.holding_port) holders.push_back(ls.uuid);
  Release(c, *view.port, holders, chassis);
  return c;
}

NbChange PlanLeave(const NbView& view, const std::string& sw, const std::string& chassis) {
  NbChange c;
  if (view.switches.size() != 1 || !IsVxnets(view.switches.front().external_ids)) {
    c.notes.push_back("logical switch " + sw + " is not there as vxnet's; nothing to leave");
    return c;
  }
  const LogicalSwitch& ls = view.switches.front();
  std::size_t remaining = ls.ports.size();
  for (const LogicalSwitchPort& p : view.switch_ports)
    if (IsVxnets(p.external_ids) && Release(c, p, {ls.uuid}, chassis)) --remaining;
  const std::string mark = kSwitchMarkPrefix + chassis;
  bool others = false;
  for (const auto& [k, v] : ls.external_ids)
    if (k.starts_with(kSwitchMarkPrefix) && k != mark) others = true;
  if (!others && remaining == 0) {
    // The last host leaves: delete it, unless a port or mark appeared meanwhile.
    c.ops.push_back(WaitRow("Logical_Switch", ls.uuid,
                            {{"ports", UuidSetOf(ls.ports)}, {"external_ids", data::Map(ls.external_ids)}}));
    c.ops.push_back({{"op", "delete"}, {"table", "Logical_Switch"}, {"where", WhereUuid(ls.uuid)}});
    c.changes.push_back("delete logical switch " + sw + " (no host uses it any more)");
  } else if (ls.external_ids.count(mark)) {
    c.ops.push_back({{"op", "mutate"}, {"table", "Logical_Switch"}, {"where", WhereUuid(ls.uuid)},
                     {"mutations", Json::array({Json::array({"external_ids", "delete", Json::array({"set", Json::array({mark})})})})}});
    c.changes.push_back("logical switch " + sw + ": remove mark " + mark);
  }
  return c;
}

NbView ReadNb(ovs::OvsdbClient& client, const std::string& sw, const std::string& port, bool with_switch_ports,
              const Deadline& deadline) {
  NbView view;
  Json ops = Json::array();
  if (!sw.empty())
    ops.push_back({{"op", "select"}, {"table", "Logical_Switch"}, {"where", WhereName(sw)}, {"columns", kSwitchColumns}});
  if (!port.empty())
    ops.push_back({{"op", "select"}, {"table", "Logical_Switch_Port"}, {"where", WhereName(port)}, {"columns", kPortColumns}});
  try {
    Json r;
    if (!TransactOrRetry(client, kNorthbound, ops, deadline, &r)) throw Error::Plain("OVN Northbound DB: read failed");
    std::size_t i = 0;
    if (!sw.empty())
      for (const auto& row : r.at(i++).at("rows")) view.switches.push_back(DecodeSwitch(row));
    if (!port.empty())
      for (const auto& row : r.at(i++).at("rows")) view.port = DecodePort(row);
    Json more = Json::array();
    if (view.port)
      more.push_back({{"op", "select"}, {"table", "Logical_Switch"},
                      {"where", Json::array({Json::array({"ports", "includes", data::Uuid(view.port->uuid)})})},
                      {"columns", kSwitchColumns}});
    if (with_switch_ports && view.switches.size() == 1)
      for (const auto& uuid : view.switches.front().ports)
        more.push_back({{"op", "select"}, {"table", "Logical_Switch_Port"}, {"where", WhereUuid(uuid)}, {"columns", kPortColumns}});
    if (!more.empty()) {
      if (!TransactOrRetry(client, kNorthbound, more, deadline, &r)) throw Error::Plain("OVN Northbound DB: read failed");
      std::size_t j = 0;
      if (view.port)
        for (const auto& row : r.at(j++).at("rows")) view.holding_port.push_back(DecodeSwitch(row));
      for (; j < r.size(); ++j)
        for (const auto& row : r.at(j).at("rows")) view.switch_ports.push_back(DecodePort(row));
    }
  } catch (const Json::exception& e) {
    throw Error("OVN Northbound DB", client.endpoint().text, std::string("answered with unexpected data: ") + e.what());
  }
  return view;
}

NbChange ApplyNb(ovs::OvsdbClient& client, const std::string& sw, const std::string& port, bool with_switch_ports,
                 const std::function<NbChange(const NbView&)>& plan, const Deadline& deadline) {
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    const NbView view = ReadNb(client, sw, port, with_switch_ports, deadline);
    NbChange change = plan(view);
    if (change.ops.empty()) return change;
    Json ops = Json::array({{{"op", "comment"}, {"comment", "vxnet: " + (sw.empty() ? port : sw)}}});
    for (auto& op : change.ops) ops.push_back(op);
    if (TransactOrRetry(client, kNorthbound, ops, deadline)) return change;
  }
  throw Error("OVN Northbound DB", client.endpoint().text,
              "kept changing underneath; " + std::to_string(kMaxAttempts) + " transactions did not reach the declared state",
              "look for another program rewriting switch " + sw);
}

}  // namespace vxnet::ovn
