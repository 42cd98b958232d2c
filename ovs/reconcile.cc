#include "ovs/reconcile.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>

#include "common/error.h"
#include "xml/network_spec.h"

namespace vxnet::ovs {

namespace {

using std::chrono::milliseconds;

constexpr int kMaxAttempts = 8;
constexpr const char* kDb = "Open_vSwitch";

enum class TxnStatus { kCommitted, kRetry };

// Interprets a transact result: committed, worth retrying (a concurrent
// change invalidated the plan), or an Error.
// `kind(i)`: the "op" of operation i, to name a failed one.
template <typename KindOf>
TxnStatus CheckWith(const Json& result, std::size_t count, KindOf kind, const std::string& endpoint) {
  for (std::size_t i = 0; i < result.size(); ++i) {
    const Json& r = result[i];
    if (!r.is_object() || !r.contains("error") || r["error"].is_null()) continue;
    const std::string error = r["error"].is_string() ? r["error"].get<std::string>() : r["error"].dump();
    if (error == "timed out" || error == "constraint violation" || error == "referential integrity violation")
      return TxnStatus::kRetry;
    std::string where = i < count ? " in operation '" + kind(i) + "'" : "";
    throw Error("OVSDB transaction", endpoint,
                "failed" + where + ": " + error + (r.contains("details") ? " (" + Printable(r["details"].dump(), 200) + ")" : ""));
  }
  return TxnStatus::kCommitted;
}

TxnStatus Check(const Json& result, const Json& ops, const std::string& endpoint) {
  return CheckWith(result, ops.size(), [&](std::size_t i) { return ops[i].value("op", std::string("?")); }, endpoint);
}

TxnStatus Check(const Json& result, const Transaction& ops, const std::string& endpoint) {
  return CheckWith(result, ops.size(), [&](std::size_t i) { return ops.kind(i); }, endpoint);
}

}  // namespace

namespace {

Json SelectCurCfg() {
  return Json{{"op", "select"}, {"table", "Open_vSwitch"}, {"where", Json::array()}, {"columns", Json::array({"cur_cfg"})}};
}

// Where a run's time and round trips go, for ReconcileReport::timings.
class Timings {
 public:
  explicit Timings(const OvsdbClient& client)
      : client_(client), round_trips_(client.round_trips()), received_(client.bytes_received()) {}
  void Mark(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s=%.1fms", text_.empty() ? "" : " ", phase,
                  std::chrono::duration<double, std::milli>(now - last_).count());
    text_ += buf;
    last_ = now;
  }
  std::string Text() const {
    char buf[96];
    std::snprintf(buf, sizeof buf, " round_trips=%d received=%.1fKiB", client_.round_trips() - round_trips_,
                  static_cast<double>(client_.bytes_received() - received_) / 1024.0);
    return text_ + buf;
  }

 private:
  const OvsdbClient& client_;
  int round_trips_;
  std::size_t received_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::string text_;
};

}  // namespace

namespace {

constexpr milliseconds kHoldMargin{250};

Error NotApplied(std::int64_t cur, std::int64_t target, const Deadline& deadline) {
  return Error("ovs-vswitchd", "cur_cfg " + std::to_string(cur) + " < next_cfg " + std::to_string(target),
               "did not apply the committed change within " + std::to_string(deadline.budget().count()) + " ms",
               "check that ovs-vswitchd is running; OVSDB holds the change and it applies when ovs-vswitchd does");
}

}  // namespace

// OVSDB's own "wait" makes the server hold the request until cur_cfg moves,
// so no polling interval is needed, and the check of cur_cfg rides in the
// same transaction.
Json AwaitApplied(OvsdbClient& client, std::int64_t target, std::int64_t seen, const Json& reads,
                  const Deadline& deadline) {
  std::int64_t cur = seen;
  for (;;) {
    const bool reached = cur >= target;
    Json ops = Json::array();
    if (!reached) {
      const auto left = deadline.remaining();
      if (left <= milliseconds(20)) throw NotApplied(cur, target, deadline);
      // The server holds this transaction until cur_cfg changes or the
      // timeout; its answer then needs time to arrive within the deadline,
      // also on a loaded host (a margin of a few ms made the answer to a
      // hold that ran out arrive after the deadline, misreported as a
      // silent ovsdb-server).
      const milliseconds margin = std::min<milliseconds>(kHoldMargin, left / 4);
      const auto hold = std::min<long long>((left - margin).count(), 5000);
      ops.push_back({{"op", "wait"}, {"timeout", hold}, {"table", "Open_vSwitch"}, {"where", Json::array()},
                     {"columns", Json::array({"cur_cfg"})}, {"until", "!="},
                     {"rows", Json::array({Json{{"cur_cfg", cur}}})}});
    }
    ops.push_back(SelectCurCfg());
    for (const auto& r : reads) ops.push_back(r);
    Json result = client.Transact(kDb, ops, deadline);
    if (!reached) {
      const Json& wait = result.at(0);
      if (wait.is_object() && wait.contains("error") && !wait["error"].is_null()) {
        // cur_cfg did not move within the hold: what is left is the margin.
        if (wait["error"] == "timed out") {
          if (deadline.remaining() <= kHoldMargin) throw NotApplied(cur, target, deadline);
          continue;
        }
        throw Error("OVSDB wait", client.endpoint().text, "failed: " + Printable(wait.dump(), 200));
      }
    }
    const std::size_t first = reached ? 0 : 1;
    cur = result.at(first).at("rows").at(0).at("cur_cfg").get<std::int64_t>();
    if (cur >= target) {
      Json out = Json::array();
      for (std::size_t i = first + 1; i < result.size(); ++i) out.push_back(std::move(result[i]));
      return out;
    }
  }
}

void WaitApplied(OvsdbClient& client, std::int64_t target, const Deadline& deadline) {
  Json sel = client.Transact(kDb, Json::array({SelectCurCfg()}), deadline);
  AwaitApplied(client, target, sel.at(0).at("rows").at(0).at("cur_cfg").get<std::int64_t>(), Json::array(), deadline);
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

// On a state read: vxnet names each port and its one interface alike.
void VerifyApplied(const DesiredNetwork& desired, const OvsState& state) {
  std::map<std::string, Verdict> by_name;
  for (const auto& [uuid, iface] : state.interfaces) by_name[iface.name] = {iface.error, iface.ofport};
  CheckVerdicts(desired, by_name);
}

// After a commit: ovs-vswitchd's verdict, read in the transaction that sees
// the change applied. Only what is wrong comes back: this network's
// interfaces that carry an error or ofport -1 (the commit wrote their
// external_ids), and the bridge's local interface by name. The declared
// rows themselves need no re-read: the transaction was atomic and guarded
// by its wait operation, so it applied exactly the plan made from the state
// it checked (and 'started' verifies the whole network again).
Json VerdictReads(const DesiredNetwork& desired) {
  const Json columns = Json::array({"name", "error", "ofport"});
  const Json owned = Json::array({"external_ids", "includes", data::Map({{kOwnerKey, desired.network}})});
  return Json::array(
      {Json{{"op", "select"}, {"table", "Interface"},
            {"where", Json::array({owned, Json::array({"error", "!=", data::EmptySet()})})}, {"columns", columns}},
       Json{{"op", "select"}, {"table", "Interface"}, {"where", Json::array({owned, Json::array({"ofport", "==", -1})})},
            {"columns", columns}},
       Json{{"op", "select"}, {"table", "Interface"}, {"where", Json::array({Json::array({"name", "==", desired.bridge})})},
            {"columns", columns}}});
}

void CheckCommitted(const DesiredNetwork& desired, const Json& verdicts) {
  auto decode = [](const Json& row) {
    Verdict v;
    if (const Json& error = row.at("error"); error.is_string()) v.error = error.get<std::string>();
    if (const Json& ofport = row.at("ofport"); ofport.is_number_integer()) v.ofport = ofport.get<std::int64_t>();
    return v;
  };
  // The declared interfaces, as far as they were read: the local one, and
  // any with a problem; the others are known to be there and well.
  std::map<std::string, Verdict> by_name;
  for (const auto& t : desired.tunnels) by_name[t.name] = {};
  if (desired.attach_port) by_name[*desired.attach_port] = {};
  for (const auto& result : verdicts)
    for (const auto& row : result.at("rows")) by_name[row.at("name").get<std::string>()] = decode(row);
  CheckVerdicts(desired, by_name);
}

// Whether the plan takes a port off one bridge and adds one of the same
// name to another.
bool MovesPorts(const Plan& plan) {
  for (const auto& r : plan.remove) {
    if (plan.add_attach_port == r.name) return true;
    for (const auto& t : plan.add)
      if (t.name == r.name) return true;
  }
  return false;
}

// read -> plan -> (nothing to do: verify what is there) or one transaction ->
// wait for ovs-vswitchd and its verdict. The read is scoped; a plan or a
// verification that refuses on it, and a transaction that fails (a
// concurrent change, or a name the scoped read did not see), are done again
// from a read of whole tables.
template <typename PlanFn, typename VerifyFn>
ReconcileReport Converge(OvsdbClient& client, const DesiredNetwork& desired, const std::optional<ReadScope>& scope,
                         const Deadline& deadline, PlanFn plan_fn, VerifyFn verify_fn, bool verify_after_commit,
                         const PendingRead* started = nullptr) {
  ReconcileReport report;
  Timings timings(client);
  bool whole = !scope;
  // A first read sent ahead counts only if it read what this one would.
  if (started && (!scope || !(started->scope == *scope))) started = nullptr;
  for (;;) {
    OvsState state = whole     ? ReadState(client, deadline)
                     : started ? FinishRead(client, *std::exchange(started, nullptr), deadline)
                               : ReadState(client, *scope, deadline);
    timings.Mark("read");
    Plan plan;
    try {
      plan = plan_fn(state);
      if (plan.empty()) verify_fn(state);
    } catch (const Error&) {
      if (!state.partial) throw;
      whole = true;  // the refusal, if it stands, is the whole state's
      continue;
    }
    timings.Mark("plan");
    if (plan.empty()) {
      report.timings = timings.Text();
      return report;
    }
    if (report.attempts >= kMaxAttempts)
      throw Error("network '" + desired.network + "'", std::to_string(kMaxAttempts) + " transactions",
                  "OVSDB kept changing underneath; the declared state was not reached",
                  "look for another program rewriting bridge " + desired.bridge);
    const Transaction ops = BuildTransaction(plan, desired, state);
    timings.Mark("build");
    ++report.attempts;
    Json result = client.Transact(kDb, ops, deadline);
    timings.Mark("commit");
    if (Check(result, ops, client.endpoint().text) == TxnStatus::kRetry) {
      whole = true;
      continue;
    }
    report.changes = plan.Describe();
    // `cfg`: the selected next_cfg and cur_cfg; the verdict is read with
    // the last wait only.
    auto await_applied = [&](const Json& cfg, bool last) {
      return AwaitApplied(client, cfg.at("next_cfg").get<std::int64_t>(), cfg.at("cur_cfg").get<std::int64_t>(),
                          last && verify_after_commit ? VerdictReads(desired) : Json::array(), deadline);
    };
    const bool moves_ports = MovesPorts(plan);
    Json verdicts = await_applied(result.at(ops.size() - 1).at("rows").at(0), !moves_ports);
    if (moves_ports) {
      // A port moved between bridges in one change (the network's bridge
      // was renamed) is added to the new bridge before the old one lets go
      // of it: ovs-vswitchd reports "File exists" and leaves it out. It
      // adds it on its next reconfiguration, so ask for one.
      const Json nudge_ops = NextCfgOperations(state.root_uuid);
      const Json nudge = client.Transact(kDb, nudge_ops, deadline);
      if (Check(nudge, nudge_ops, client.endpoint().text) != TxnStatus::kCommitted)
        throw Error("OVSDB transaction", client.endpoint().text, "did not take the request to reconfigure");
      verdicts = await_applied(nudge.at(1).at("rows").at(0), true);
    }
    if (verify_after_commit) CheckCommitted(desired, verdicts);
    timings.Mark("applied");
    report.timings = timings.Text();
    return report;
  }
}

// Teardown: the network's own rows, its bridge whole (is it empty?) and
// the bridge's local interface (an mtu_request to put back).
ReadScope TeardownScope(const std::string& network, const std::string& bridge) {
  return ReadScope{network, bridge, std::nullopt, true, false, true, std::nullopt};
}

// port-created: the bridge and its local port and interface only; a
// missing local port re-reads whole tables before refusing.
ReadScope BridgeMtuScope(const std::string& network, const std::string& bridge) {
  return ReadScope{network, bridge, std::nullopt, false, false, false, std::nullopt};
}

// The plan of `plan_fn` from a scoped read, done again on whole tables
// when it refuses there.
template <typename PlanFn>
Plan PlanFromScope(OvsdbClient& client, const ReadScope& scope, const Deadline& deadline, PlanFn plan_fn) {
  const OvsState state = ReadState(client, scope, deadline);
  try {
    return plan_fn(state);
  } catch (const Error&) {
    return plan_fn(ReadState(client, deadline));
  }
}

}  // namespace

ReadScope ScopeFor(const DesiredNetwork& desired) {
  ReadScope scope{desired.network, desired.bridge, desired.attach_port, true, !desired.tunnels.empty(), true, std::nullopt};
  // One VNI per network: a foreign tunnel with another key is no duplicate.
  // A tunnel without a key option has key 0, so VNI 0 reads them all.
  std::optional<std::string> key;
  for (const auto& t : desired.tunnels) {
    const std::string k = t.Options().at("key");
    if (key && *key != k) return scope;
    key = k;
  }
  if (key && *key != "0") scope.vxlan_key = key;
  return scope;
}

Plan PlanOnly(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline) {
  return PlanFromScope(client, ScopeFor(desired), deadline, [&](const OvsState& s) { return PlanReconcile(desired, s); });
}

ReconcileReport Reconcile(OvsdbClient& client, const DesiredNetwork& desired, const Deadline& deadline,
                          const PendingRead* started) {
  return Converge(
      client, desired, ScopeFor(desired), deadline, [&](const OvsState& s) { return PlanReconcile(desired, s); },
      [&](const OvsState& s) { VerifyApplied(desired, s); }, true, started);
}

ReconcileReport EnsureBridgeMtu(OvsdbClient& client, const std::string& network, const std::string& bridge, int mtu,
                                const Deadline& deadline) {
  DesiredNetwork only_bridge{network, bridge, "system", mtu, {}, std::nullopt};
  return Converge(
      client, only_bridge, BridgeMtuScope(network, bridge), deadline,
      [&](const OvsState& s) { return PlanBridgeMtu(network, bridge, mtu, s); }, [](const OvsState&) {}, false);
}

// Rare (after OVS lost its database) and it looks taps up by name wherever
// they are: whole tables.
ReconcileReport EnsureGuestPorts(OvsdbClient& client, const std::string& network, const std::string& bridge,
                                 const std::vector<GuestPort>& guests, const Deadline& deadline) {
  DesiredNetwork only_bridge{network, bridge, "system", std::nullopt, {}, std::nullopt};
  return Converge(
      client, only_bridge, std::nullopt, deadline,
      [&](const OvsState& s) { return PlanGuestPorts(network, bridge, guests, s); }, [](const OvsState&) {}, false);
}

void VerifyNetwork(const DesiredNetwork& desired, const OvsState& state) {
  Plan drift = PlanReconcile(desired, state);
  if (!drift.empty())
    throw Error("network '" + desired.network + "'", drift.Describe().front(),
                "OVS does not hold what the network declares", "restart the network");
  VerifyApplied(desired, state);
}

void VerifyNetwork(OvsdbClient& client, const DesiredNetwork& desired, const OvsState& state, const Deadline& deadline) {
  try {
    VerifyNetwork(desired, state);
  } catch (const Error&) {
    if (!state.partial) throw;
    VerifyNetwork(desired, ReadState(client, deadline));
  }
}

ReconcileReport Teardown(OvsdbClient& client, const std::string& network, const std::string& bridge,
                         const Deadline& deadline) {
  DesiredNetwork none{network, bridge, "system", std::nullopt, {}, std::nullopt};
  return Converge(
      client, none, TeardownScope(network, bridge), deadline,
      [&](const OvsState& s) { return PlanTeardown(network, bridge, s); }, [](const OvsState&) {}, false);
}

}  // namespace vxnet::ovs
