// The network hook: decides whether a call is vxnet's, then hands it to
// the engine. Which calls may fail at all is the contract in hook.h.
#include <unistd.h>

#include <exception>

#include "engine/libvirt_paths.h"
#include "engine/network_engine.h"
#include "hook/hook.h"
#include "xml/file_scan.h"
#include "xml/network_xml.h"
#include "xml/xml_doc.h"

namespace vxnet::hook {

namespace {

using engine::Context;
using engine::Refusal;

// libvirt's status file of a network exists exactly while it is active.
bool IsActive(const std::string& network, const engine::Config& config) {
  const std::optional<std::string> file = engine::ActiveNetworkFile(config, network);
  return file && access(file->c_str(), F_OK) == 0;
}

// libvirt's own file for a network: the status file while it is active
// (from 'started' on: libvirt writes it after that hook), else the
// definition (a transient network has none before it is active).
std::optional<std::string> NetworkFileOf(const std::string& network, const engine::Config& config) {
  if (IsActive(network, config)) return engine::ActiveNetworkFile(config, network);
  return engine::DefinedNetworkFile(config, network);
}

// stdin did not tell (`why`): what the hook has of it, then libvirt's own
// file for the network argv names, say whether it is vxnet's. One that is
// is refused by name where the call admits it, never started unbuilt;
// 'stopped' removes what the run record names. Anything else passes.
Outcome NetworkNotRead(const std::vector<std::string>& args, Operation op, std::string_view text,
                       const std::string& why, HookEnv& env) {
  const std::string& name = args[0];
  const std::string who = "network '" + Printable(name) + "'";
  std::optional<bool> vxnet = NetworkTextIsVxnets(text, env.run);
  std::string source = "its XML on stdin";
  if (!vxnet) {
    if (const std::optional<std::string> file = NetworkFileOf(name, env.config)) {
      vxnet = NetworkFileIsVxnets(*file, env.run);
      source = "libvirt's " + *file;
    }
  }
  Outcome o;
  if (!vxnet || !*vxnet) {
    o.warnings.push_back(who + ": " + why + "; " +
                         (vxnet ? source + " says it is not a vxnet network"
                                : "neither stdin nor libvirt's file for it tells whether it is a vxnet network") +
                         ": left alone");
    return o;
  }
  o.managed = true;
  const bool admits = op == Operation::kStart || op == Operation::kStarted ||
                      (op == Operation::kUpdated && IsActive(name, env.config));
  const Error refusal(who, "", why + ", and " + source + " says it is a vxnet network: refused rather than left " +
                                   (op == Operation::kUpdated ? "as it was" : "unbuilt"),
                      why.find("larger than") != std::string::npos ? "make the network's XML smaller" : "");
  if (admits) return Refusal(1, std::string("vxnet: ") + refusal.what(), true);
  if (op == Operation::kStopped) {
    // What start made is in its run record, which needs no stdin.
    if (const std::optional<engine::RunRecord> record = engine::ReadRunRecord(env.config.state_dir, name)) {
      engine::Context ctx = engine::Context::ForRun(env.config, env.host, env.run);
      o = engine::Guarded([&] { return engine::StopNetwork(engine::TargetFor(name, record->bridge, nullptr, record), ctx); });
      o.managed = true;
      if (!o.message.empty()) o.warnings.push_back(o.message);
      o.exit_status = 0;  // libvirt ignores it; the log says it
      o.message.clear();
    }
  }
  // port-created cannot tell a new port from libvirtd reconnecting to a
  // running guest's (that needs the port from stdin), and a network too
  // large to read was refused at start: logged, not refused.
  o.warnings.insert(o.warnings.begin(),
                    who + ": " + why + ", and " + source + " says it is a vxnet network: nothing more done at " + args[1]);
  return o;
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

Outcome RunNetworkHookUnread(const std::vector<std::string>& args, std::string_view partial, const std::string& why,
                             HookEnv& env) {
  if (args.size() < 3) return RunNetworkHook(args, "", env);
  const Operation op = ParseOperation(args[1]);
  if (op == Operation::kUnknown) return {};
  return NetworkNotRead(args, op, partial, why, env);
}

Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text, HookEnv& env) {
  if (args.size() < 3)
    return Refusal(2, "usage: vxnet-hook NETWORK OPERATION SUB-OPERATION - (as libvirt calls it; see vxnet-hook --help)", false);
  const Operation op = ParseOperation(args[1]);
  // An operation a newer libvirt invented must not break its networks.
  if (op == Operation::kUnknown) return {};

  NetworkClaim claim = ClaimNetworkInput(stdin_text);
  if (claim.claim == Claim::kNotVxnet) return {};  // not ours: touch nothing
  if (claim.claim == Claim::kUnreadable)
    return NetworkNotRead(args, op, stdin_text, "hook stdin cannot be read (" + Printable(claim.why, 300) + ")", env);
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
