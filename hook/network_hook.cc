// The network hook: decides whether a call is vxnet's, then hands it to
// the engine. Which calls may fail at all is the contract in hook.h.
#include <unistd.h>

#include <exception>

#include "engine/network_engine.h"
#include "hook/hook.h"
#include "xml/network_xml.h"

namespace vxnet::hook {

namespace {

using engine::Context;
using engine::Refusal;

// libvirt's status file of a network exists exactly while it is active.
bool IsActive(const std::string& network, const engine::Config& config) {
  if (network.empty() || network.find('/') != std::string::npos) return false;
  return access((config.libvirt_state_dir + "/network/" + network + ".xml").c_str(), F_OK) == 0;
}

// The operation, for a network known to be vxnet's. `admits` says whether
// a failure here may refuse libvirt's action.
Outcome Dispatch(Operation op, bool admits, bool reconnect, const LibvirtNetwork& net, const HookData& data,
                 HookEnv& env) {
  Context ctx = Context::ForRun(env.config, env.host, env.run);
  const NetworkSpec* spec = net.spec ? &*net.spec : nullptr;
  std::vector<std::string> config_notes;
  if (admits) {
    env.config.RequireClean();  // a refusal names file, line and key
  } else {
    for (const Error& e : env.config.problems) config_notes.push_back(std::string("config (defaults used): ") + e.what());
  }
  for (const std::string& n : env.config.notices) config_notes.push_back(n);

  Outcome outcome;
  if (op == Operation::kStopped) {
    // Tear down by name, with whatever start recorded: this works even when
    // the metadata can no longer be read, and uses defaults for a bad config.
    if (!ValidateNetwork(net).empty()) spec = nullptr;
    const std::optional<engine::RunRecord> record = engine::ReadRunRecord(env.config.state_dir, net.name);
    outcome = engine::StopNetwork(engine::TargetFor(net.name, net.bridge, spec, record), ctx);
  } else if (op == Operation::kPortDeleted) {
    outcome.managed = true;
    if (!ValidateNetwork(net).empty()) spec = nullptr;
    if (data.port) outcome = engine::ReleasePort(net.name, spec, *data.port, ctx);
  } else {
    std::vector<Error> errors = ValidateNetwork(net);
    if (!errors.empty()) throw errors.front();
    switch (op) {
      case Operation::kStart:
        outcome = engine::StartNetwork(*spec, ctx);
        break;
      case Operation::kStarted:
        outcome = engine::VerifyStarted(*spec, ctx);
        break;
      case Operation::kUpdated:
        // The live definition may still hold what 'vxnetctl apply' replaced.
        outcome = engine::UpdateNetwork(engine::AppliedSpec(*spec, env.config), ctx);
        break;
      case Operation::kPortCreated:
        if (!data.port) throw Error("hook stdin", "port-created", "carries no <networkport>");
        outcome = engine::AdmitPort(engine::AppliedSpec(*spec, env.config), *data.port, reconnect, ctx);
        break;
      default:
        break;
    }
  }
  outcome.warnings.insert(outcome.warnings.begin(), config_notes.begin(), config_notes.end());
  return outcome;
}

}  // namespace

Role RoleFromPath(std::string_view argv0) {
  const auto slash = argv0.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
  if (base == "qemu") return Role::kQemu;
  if (slash != std::string_view::npos) {
    std::string_view dir = argv0.substr(0, slash);
    const auto parent = dir.rfind('/');
    if ((parent == std::string_view::npos ? dir : dir.substr(parent + 1)) == "qemu.d") return Role::kQemu;
  }
  return Role::kNetwork;
}

Operation ParseOperation(std::string_view op) {
  if (op == "start") return Operation::kStart;
  if (op == "started") return Operation::kStarted;
  if (op == "stopped") return Operation::kStopped;
  if (op == "port-created") return Operation::kPortCreated;
  if (op == "port-deleted") return Operation::kPortDeleted;
  if (op == "updated") return Operation::kUpdated;
  return Operation::kUnknown;
}

bool MayConcernVxnet(Role role, const std::vector<std::string>& args) {
  if (args.size() < 3) return false;
  if (role == Role::kQemu) return (args[1] == "prepare" && args[2] == "begin") || (args[1] == "release" && args[2] == "end");
  return ParseOperation(args[1]) != Operation::kUnknown;
}

NetworkClaim ClaimNetworkInput(std::string_view stdin_text) {
  NetworkClaim claim;
  if (stdin_text.find(kVxnetNamespace) == std::string_view::npos) return claim;
  try {
    HookData data = ParseHookData(stdin_text);
    if (!data.network.managed()) return claim;  // the URI appeared elsewhere
    claim.claim = Claim::kVxnet;
    claim.data = std::move(data);
  } catch (const std::exception& e) {
    claim.claim = Claim::kUnreadable;
    claim.why = e.what();
  }
  return claim;
}

Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text, HookEnv& env) {
  if (args.size() < 3)
    return Refusal(2, "usage: vxnet-hook NETWORK OPERATION SUB-OPERATION - (as libvirt calls it; see vxnet-hook --help)", false);
  const Operation op = ParseOperation(args[1]);
  // An operation a newer libvirt invented must not break its networks.
  if (op == Operation::kUnknown) return {};

  NetworkClaim claim = ClaimNetworkInput(stdin_text);
  if (claim.claim == Claim::kNotVxnet) return {};  // not ours: touch nothing
  if (claim.claim == Claim::kUnreadable) {
    Outcome o;
    o.warnings.push_back("hook stdin cannot be read, so it is not known to be a vxnet network; left alone: " +
                         Printable(claim.why, 300));
    return o;
  }
  const LibvirtNetwork& net = claim.data->network;
  // updated is called for inactive networks too (net-update --config);
  // an inactive network has nothing on this host to bring in line.
  const bool active_update = op == Operation::kUpdated && IsActive(net.name, env.config);
  if (op == Operation::kUpdated && !active_update) {
    Outcome o;
    o.managed = true;
    o.notes.push_back("network '" + Printable(net.name) + "' is not active: its update changes nothing on this host");
    return o;
  }
  // libvirtd, restarted, calls port-created again for each port its
  // running guests have: nothing a refusal could stop, so nothing refuses.
  const bool reconnect = op == Operation::kPortCreated && claim.data->port &&
                         engine::IsReconnect(net.name, *claim.data->port, env.config);
  const bool admits = op == Operation::kStart || op == Operation::kStarted ||
                      (op == Operation::kPortCreated && !reconnect) || active_update;
  Outcome outcome;
  try {
    outcome = Dispatch(op, admits, reconnect, net, *claim.data, env);
  } catch (const Error& e) {
    outcome = Refusal(1, std::string("vxnet: ") + e.what(), true);
  } catch (const std::exception& e) {
    outcome = Refusal(1, std::string("vxnet: internal error: ") + Printable(e.what(), 200) + " (please report it)", true);
  }
  outcome.managed = true;
  if (reconnect)
    outcome.notes.insert(outcome.notes.begin(), "domain '" + Printable(claim.data->port->owner_name) + "' interface " +
                                                    Printable(claim.data->port->mac) +
                                                    ": libvirtd reconnecting to a running guest; nothing refused");
  if (outcome.exit_status != 0 && !admits) {
    // libvirt ignores this failure; say it in the log, not as a refusal.
    outcome.exit_status = 0;
  }
  return outcome;
}

}  // namespace vxnet::hook
