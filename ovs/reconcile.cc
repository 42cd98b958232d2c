#include "ovs/reconcile.h"

#include <chrono>
#include <map>

#include "common/error.h"

namespace vxnet::ovs {

namespace {

using std::chrono::milliseconds;

constexpr int kMaxAttempts = 8;
constexpr const char* kDb = "Open_vSwitch";

enum class TxnStatus { kCommitted, kRetry };

// Interprets a transact result: committed, worth retrying (a concurrent
// change invalidated the plan), or an Error.
TxnStatus Check(const Json& result, const Json& ops, const std::string& endpoint) {
  for (std::size_t i = 0; i < result.size(); ++i) {
    const Json& r = result[i];
    if (!r.is_object() || !r.contains("error") || r["error"].is_null()) continue;
    const std::string error = r["error"].is_string() ? r["error"].get<std::string>() : r["error"].dump();
    if (error == "timed out" || error == "constraint violation" || error == "referential integrity violation")
      return TxnStatus::kRetry;
    std::string where = i < ops.size() ? " in operation '" + ops[i].value("op", std::string("?")) + "'" : "";
    throw Error("OVSDB transaction", endpoint,
                "failed" + where + ": " + error + (r.contains("details") ? " (" + Printable(r["details"].dump(), 200) + ")" : ""));
  }
  return TxnStatus::kCommitted;
}

}  // namespace

// Uses OVSDB's own "wait" so no polling interval is needed.
void WaitApplied(OvsdbClient& client, std::int64_t target, const Deadline& deadline) {
  const Json root = Json::array();
  for (;;) {
    Json sel = client.Transact(kDb, Json::array({{{"op", "select"}, {"table", "Open_vSwitch"}, {"where", root},
                                                  {"columns", Json::array({"cur_cfg"})}}}),
                               deadline);
    const std::int64_t cur = sel.at(0).at("rows").at(0).at("cur_cfg").get<std::int64_t>();
    if (cur >= target) return;
    const auto left = deadline.remaining();
    if (left <= milliseconds(20))
      throw Error("ovs-vswitchd", "cur_cfg " + std::to_string(cur) + " < next_cfg " + std::to_string(target),
                  "did not apply the committed change within " + std::to_string(deadline.budget().count()) + " ms",
                  "check that ovs-vswitchd is running; OVSDB holds the change and it applies when ovs-vswitchd does");
    // The server holds this request until cur_cfg changes or the timeout.
    const auto hold = std::min<long long>(left.count() - 10, 1000);
    client.Transact(kDb,
                    Json::array({{{"op", "wait"}, {"timeout", hold}, {"table", "Open_vSwitch"}, {"where", root},
                                  {"columns", Json::array({"cur_cfg"})}, {"until", "!="},
                                  {"rows", Json::array({Json{{"cur_cfg", cur}}})}}}),
                    deadline);
  }
}

namespace {

// ovs-vswitchd's verdict on one interface: its error and port number.
struct Verdict {
  std::string error;
  std::optional<std::int64_t> ofport;
};

// Every interface the network declares must exist with no error and a
// port number; both verifications below come here with their own reading.
void CheckVerdicts(const DesiredNetwork& desired, const std::map<std::string, Verdict>& by_name) {
  auto check = [&](const std::string& name, const std::string& what) {
    auto it = by_name.find(name);
    if (it == by_name.end()) throw Error(what, name, "is missing from OVSDB after the change");
    if (!it->second.error.empty())
      throw Error(what, name, "ovs-vswitchd reports: " + Printable(it->second.error, 200));
    if (it->second.ofport && *it->second.ofport < 0)
      throw Error(what, name, "ovs-vswitchd could not create it (ofport -1)");
  };
  check(desired.bridge, "bridge interface");
  for (const auto& t : desired.tunnels) check(t.name, "tunnel to " + t.remote.ToString());
  if (desired.attach_port) check(*desired.attach_port, "port to the attached Linux bridge");
}

// On a full state read: vxnet names each port and its one interface alike.
void VerifyApplied(const DesiredNetwork& desired, const OvsState& state) {
  std::map<std::string, Verdict> by_name;
  for (const auto& [uuid, iface] : state.interfaces) by_name[iface.name] = {iface.error, iface.ofport};
  CheckVerdicts(desired, by_name);
}

// After a commit: ovs-vswitchd's verdict on each interface vxnet declared,
// read narrowly (name, error, ofport). The declared rows themselves need no
// re-read: the transaction was atomic and guarded by its wait operation, so
// it applied exactly the plan made from the state it checked.
void VerifyCommitted(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline) {
  Json result = client.Transact(
      "Open_vSwitch",
      Json::array({{{"op", "select"}, {"table", "Interface"}, {"where", Json::array()},
                    {"columns", Json::array({"name", "error", "ofport"})}}}),
      deadline);
  std::map<std::string, Verdict> by_name;
  for (const auto& row : result.at(0).at("rows")) {
    Verdict v;
    if (const Json& error = row.at("error"); error.is_string()) v.error = error.get<std::string>();
    if (const Json& ofport = row.at("ofport"); ofport.is_number_integer()) v.ofport = ofport.get<std::int64_t>();
    by_name[row.at("name").get<std::string>()] = v;
  }
  CheckVerdicts(desired, by_name);
}

// read -> plan -> (nothing to do: verify what is there) or one transaction ->
// wait for ovs-vswitchd -> verify its verdict. A transaction that a
// concurrent change invalidated fails whole and is planned again.
template <typename PlanFn, typename VerifyFn>
ReconcileReport Converge(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline, PlanFn plan_fn,
                         VerifyFn verify_fn, bool verify_after_commit) {
  ReconcileReport report;
  for (int attempt = 1;; ++attempt) {
    OvsState state = ReadState(client, deadline);
    Plan plan = plan_fn(state);
    if (plan.empty()) {
      verify_fn(state);
      return report;
    }
    if (attempt > kMaxAttempts)
      throw Error("network '" + desired.network + "'", std::to_string(kMaxAttempts) + " transactions",
                  "OVSDB kept changing underneath; the declared state was not reached",
                  "look for another program rewriting bridge " + desired.bridge);
    Json ops = BuildTransaction(plan, desired, state);
    ++report.attempts;
    Json result = client.Transact(kDb, ops, deadline);
    if (Check(result, ops, client.endpoint().text) == TxnStatus::kRetry) continue;
    report.changes = plan.Describe();
    const std::int64_t target = result.at(ops.size() - 1).at("rows").at(0).at("next_cfg").get<std::int64_t>();
    WaitApplied(client, target, deadline);
    if (verify_after_commit) VerifyCommitted(client, desired, deadline);
    return report;
  }
}

}  // namespace

Plan PlanOnly(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline) {
  return PlanReconcile(desired, ReadState(client, deadline));
}

ReconcileReport Reconcile(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline) {
  return Converge(
      client, desired, deadline, [&](const OvsState& s) { return PlanReconcile(desired, s); },
      [&](const OvsState& s) { VerifyApplied(desired, s); }, true);
}

ReconcileReport EnsureBridgeMtu(OvsdbClient& client, const std::string& network, const std::string& bridge, int mtu,
                                const Deadline& deadline) {
  DesiredNetwork only_bridge{network, bridge, "system", mtu, {}, std::nullopt};
  return Converge(
      client, only_bridge, deadline, [&](const OvsState& s) { return PlanBridgeMtu(network, bridge, mtu, s); },
      [](const OvsState&) {}, false);
}

ReconcileReport EnsureGuestPorts(OvsdbClient& client, const std::string& network, const std::string& bridge,
                                 const std::vector<GuestPort>& guests, const Deadline& deadline) {
  DesiredNetwork only_bridge{network, bridge, "system", std::nullopt, {}, std::nullopt};
  return Converge(
      client, only_bridge, deadline, [&](const OvsState& s) { return PlanGuestPorts(network, bridge, guests, s); },
      [](const OvsState&) {}, false);
}

void VerifyNetwork(const DesiredNetwork& desired, const OvsState& state) {
  Plan drift = PlanReconcile(desired, state);
  if (!drift.empty())
    throw Error("network '" + desired.network + "'", drift.Describe().front(),
                "OVS does not hold what the network declares", "restart the network");
  VerifyApplied(desired, state);
}

ReconcileReport Teardown(OvsdbClient& client, const std::string& network, const std::string& bridge,
                         const Deadline& deadline) {
  DesiredNetwork none{network, bridge, "system", std::nullopt, {}, std::nullopt};
  return Converge(
      client, none, deadline, [&](const OvsState& s) { return PlanTeardown(network, bridge, s); },
      [](const OvsState&) {}, false);
}

}  // namespace vxnet::ovs
