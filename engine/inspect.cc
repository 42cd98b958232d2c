// What vxnetctl shows and prunes: the host's networks judged through their
// overlays, the leftovers of networks libvirt does not run, and their
// removal. vxnetctl hands in what libvirt says; everything else is read
// and decided here.
#include <set>

#include "engine/network_engine.h"
#include "engine/overlay.h"
#include "ovs/ovs_state.h"

namespace vxnet::engine {

namespace {

// network -> the bridge its rows are on: ports carrying vxnet's owner key
// (on a bridge vxnet made, that bridge wins), and bridges carrying it.
std::map<std::string, std::string> Owners(const ovs::OvsState& state) {
  const ovs::OvsIndex index(state);
  std::map<std::string, std::string> owners;
  for (const auto& [uuid, port] : state.ports) {
    auto it = port.external_ids.find(kOwnerKey);
    if (it == port.external_ids.end()) continue;
    const ovs::BridgeRow* on = index.BridgeOfPort(uuid);
    if (on && (!owners.count(it->second) || on->external_ids.count(kOwnerKey))) owners[it->second] = on->name;
  }
  for (const auto& [uuid, bridge] : state.bridges)
    if (auto it = bridge.external_ids.find(kOwnerKey); it != bridge.external_ids.end() && !owners.count(it->second))
      owners[it->second] = bridge.name;
  return owners;
}

std::vector<GuestOnNetwork> On(const std::string& network, const std::vector<GuestOnNetwork>& guests) {
  std::vector<GuestOnNetwork> out;
  for (const GuestOnNetwork& g : guests)
    if (g.network == network) out.push_back(g);
  return out;
}

std::vector<std::string> Messages(const std::vector<Error>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.what());
  return out;
}

}  // namespace

std::map<std::string, std::string> NetworksInOvs(Context& ctx) {
  ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
  return Owners(ovs::ReadState(client, ctx.deadline));
}

std::vector<NetworkStatus> InspectHost(const std::vector<ListedNetwork>& networks, const std::vector<GuestOnNetwork>& guests,
                                       bool only_one, Context& ctx) {
  ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
  const ovs::OvsState state = ovs::ReadState(client, ctx.deadline);
  const std::vector<std::string> problems = Messages(ctx.config.problems);
  const std::map<std::string, std::string> owners = Owners(state);
  std::vector<NetworkStatus> statuses;
  std::set<std::string> listed;
  for (const ListedNetwork& n : networks) {
    listed.insert(n.name);
    const std::vector<GuestOnNetwork> on = On(n.name, guests);
    if (!n.active) {
      std::optional<NetworkStatus> s = Inactive(n.name, n.bridge, n.autostart, on);
      if (auto left = owners.find(n.name); left != owners.end()) {
        const NetworkStatus leftover = Leftover(n.name, left->second);
        if (!s) s = leftover;
        else s->Raise(kWarning, leftover.problems.front());
      }
      if (s) {
        AddConfigFindings(*s, problems, ctx.config.notices);
        statuses.push_back(std::move(*s));
      }
      continue;
    }
    if (!n.spec) {
      statuses.push_back(Broken(n.name, n.bridge, n.problem));
      AddConfigFindings(statuses.back(), problems, ctx.config.notices);
      continue;
    }
    const NetworkSpec& spec = *n.spec;
    std::unique_ptr<Overlay> overlay = MakeOverlay(spec);
    net::OverlayMtu derived;
    try {
      derived = overlay->DeriveMtu(ctx);
    } catch (const Error& e) {
      derived.warnings.push_back(e.what());
    }
    InspectInputs inputs;
    if (const auto record = ReadRunRecord(ctx.config.state_dir, spec.name)) inputs.recorded_mtu = record->overlay_mtu;
    inputs.guests = on;
    inputs.config_problems = problems;
    inputs.config_notices = ctx.config.notices;
    overlay->Observe(on, ctx);
    statuses.push_back(InspectState(spec, *overlay, derived, state, ctx.host, inputs));
  }
  // Rows of networks libvirt does not know at all (undefined while running).
  if (!only_one)
    for (const auto& [network, bridge] : owners)
      if (!listed.count(network)) {
        statuses.push_back(Leftover(network, bridge));
        AddConfigFindings(statuses.back(), problems, ctx.config.notices);
      }
  return statuses;
}

PruneReport PruneNetworks(const std::function<LibvirtVerdict(const std::string&)>& ask, bool libvirt_lists_networks,
                          Context& ctx) {
  PruneReport report;
  report.outcome = Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    const std::map<std::string, std::string> owners = NetworksInOvs(ctx);
    if (owners.empty()) return outcome;
    // A libvirt that knows no network at all, while OVS holds vxnet's, is
    // not the libvirt that made them.
    if (!libvirt_lists_networks)
      throw Error("prune", "",
                  "refused: libvirt lists no networks at all while OVS holds vxnet state of " + std::to_string(owners.size()) +
                      " network(s); is this the libvirtd that runs them?",
                  "if those networks are really gone, remove their ports with ovs-vsctl (external_ids:vxnet-network names them)");
    for (const auto& [network, bridge] : owners) {
      const LibvirtVerdict verdict = ask(network);  // asked per network, just before acting on it
      if (verdict.state == LibvirtVerdict::State::kActive) continue;  // running, readable by this vxnet or not: never touched
      if (verdict.state == LibvirtVerdict::State::kUnknown) {
        ++report.unknown;
        outcome.warnings.push_back("network " + network + ": left alone: libvirt could not say whether it runs (" + verdict.why +
                                   ")");
        continue;
      }
      const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, network);
      Context one = Context::ForRun(ctx.config, ctx.host, Deadline::After(ctx.config.timeout));
      const Outcome o = StopNetwork(TargetFor(network, bridge, verdict.spec ? &*verdict.spec : nullptr, record), one);
      ++report.pruned;
      for (const auto& c : o.changes) outcome.changes.push_back(network + ": " + c);
      if (o.exit_status != 0) {
        outcome.warnings.push_back(network + ": " + o.message);  // one line per network that failed
        outcome.exit_status = 1;
      }
    }
    return outcome;
  });
  return report;
}

}  // namespace vxnet::engine
