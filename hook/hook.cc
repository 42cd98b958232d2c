// The network hook's operations. Each one is all or nothing: what start
// made is undone when start (or started) refuses, since libvirt 9.0 sends
// no 'stopped' after a failed start.
#include "hook/hook.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cctype>
#include <sstream>

#include "hook/guest_mtu.h"
#include "net/overlay_mtu.h"
#include "ovs/reconcile.h"
#include "xml/domain_xml.h"
#include "xml/hook_data.h"
#include "xml/xml_doc.h"

namespace vxnet::hook {

namespace {

// Where a run's time goes, for the debug log: "mtu=0.4ms reconcile=18.2ms".
class Phases {
 public:
  void Mark(const char* name) {
    const auto now = std::chrono::steady_clock::now();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s=%.1fms", text_.empty() ? "" : " ", name,
                  std::chrono::duration<double, std::milli>(now - last_).count());
    text_ += buf;
    last_ = now;
  }
  const std::string& text() const { return text_; }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::string text_;
};

// The schema is checked when the first read fails (ReadState), not with
// an extra round trip on every run.
ovs::OvsdbClient Connect(const Config& config, const Deadline& deadline) {
  return ovs::OvsdbClient::Connect(ovs::Endpoint::Parse(config.ovsdb), deadline);
}

// Everything an operation derives from the spec and the host before it
// touches anything.
struct Prepared {
  const NetworkSpec& spec;
  net::OverlayMtu overlay;
  ovs::DesiredNetwork desired;
};

Prepared Prepare(const NetworkSpec& spec, HookContext& ctx) {
  net::OverlayMtu overlay = net::ComputeOverlayMtu(spec, ctx.host);
  ovs::DesiredNetwork desired = ovs::DesiredFromSpec(spec, overlay.mtu, overlay.own_addresses);
  return {spec, std::move(overlay), std::move(desired)};
}

// The Linux bridge a network attaches must exist before anything changes.
void CheckAttachBridge(const NetworkSpec& spec, HookContext& ctx) {
  if (!spec.attach_bridge) return;
  const std::optional<net::LinkInfo> link = ctx.host.Link(*spec.attach_bridge);
  if (!link)
    throw Error("attached Linux bridge", *spec.attach_bridge, "does not exist on this host",
                "start what creates it (e.g. docker) before the network, or remove attach-bridge");
  if (link->kind != "bridge")
    throw Error("attached Linux bridge", *spec.attach_bridge, "is a '" + (link->kind.empty() ? std::string("device") : link->kind) +
                                                                  "', not a Linux bridge");
}

// Joins the attached Linux bridge to the overlay: a veth pair at the overlay
// MTU, one end enslaved to it, the other becoming an OVS port.
void EnsureAttachVeth(const NetworkSpec& spec, const std::optional<int>& mtu, HookContext& ctx, Outcome& outcome) {
  if (!spec.attach_bridge) return;
  const AttachVeth veth = AttachVethNames(spec);
  ctx.host.EnsureVethToBridge(veth.ovs_end, veth.bridge_end, *spec.attach_bridge, mtu.value_or(0));
  outcome.changes.push_back("veth " + veth.ovs_end + "/" + veth.bridge_end + " to Linux bridge " + *spec.attach_bridge);
}

void RemoveAttachVeth(const NetworkSpec& spec, HookContext& ctx, Outcome& outcome) {
  if (!spec.attach_bridge) return;
  try {
    ctx.host.DeleteLink(AttachVethNames(spec).ovs_end);
  } catch (const Error& e) {
    outcome.warnings.push_back(e.what());
  }
}

// Best effort: remove what start made. Never throws; problems are logged.
void Undo(const NetworkSpec& spec, HookContext& ctx, Outcome& outcome) {
  try {
    const Deadline deadline = Deadline::After(ctx.config.timeout);
    ovs::OvsdbClient client = Connect(ctx.config, deadline);
    ovs::Teardown(client, spec.name, spec.bridge, deadline);
  } catch (const Error& e) {
    outcome.warnings.push_back(std::string("undo: ") + e.what());
  }
  if (spec.address) {
    try {
      ctx.host.RemoveAddress(spec.bridge, *spec.address);
    } catch (const Error& e) {
      outcome.warnings.push_back(std::string("undo: ") + e.what());
    }
  }
  RemoveAttachVeth(spec, ctx, outcome);
}

Outcome Start(const NetworkSpec& spec, HookContext& ctx) {
  const Deadline deadline = Deadline::After(ctx.config.timeout);
  Phases phases;
  Prepared p = Prepare(spec, ctx);  // refusals here happen before any change
  CheckAttachBridge(spec, ctx);
  phases.Mark("mtu");
  Outcome outcome;
  outcome.warnings = p.overlay.warnings;
  // Only once a changing transaction was sent is there anything to undo in
  // OVS; the veth, once made, is removed on any failure.
  std::optional<ovs::OvsdbClient> client;
  try {
    client.emplace(Connect(ctx.config, deadline));
    phases.Mark("connect");
    EnsureAttachVeth(spec, p.overlay.mtu, ctx, outcome);
    for (auto& change : ovs::Reconcile(*client, p.desired, deadline).changes) outcome.changes.push_back(std::move(change));
    phases.Mark("reconcile");
    if (spec.address) {
      ctx.host.EnsureAddress(spec.bridge, *spec.address);
      outcome.changes.push_back("address " + spec.address->ToString() + " on " + spec.bridge + ", link up");
    }
  } catch (const Error& e) {
    if (client && client->changing_transactions_sent() > 0)
      Undo(spec, ctx, outcome);
    else
      RemoveAttachVeth(spec, ctx, outcome);
    outcome.exit_status = 1;
    outcome.message = std::string("vxnet: ") + e.what();
    return outcome;
  }
  outcome.changes.push_back("overlay MTU " + (p.overlay.mtu ? std::to_string(*p.overlay.mtu) : std::string("unset")) +
                            ", " + std::to_string(p.desired.tunnels.size()) + " tunnel(s)");
  phases.Mark("address");
  outcome.phases = phases.text();
  return outcome;
}

// A broken overlay must fail here, at net-start, not later at guest start
// ("Cannot get interface MTU on 'ovs-sw0': No such device").
Outcome Started(const NetworkSpec& spec, HookContext& ctx) {
  const Deadline deadline = Deadline::After(ctx.config.timeout);
  Outcome outcome;
  bool reached_ovsdb = false;
  try {
    Prepared p = Prepare(spec, ctx);
    outcome.warnings = p.overlay.warnings;
    ovs::OvsdbClient client = Connect(ctx.config, deadline);
    const ovs::OvsState state = ovs::ReadState(client, deadline);
    reached_ovsdb = true;
    ovs::VerifyNetwork(p.desired, state);
    const std::optional<net::LinkInfo> link = ctx.host.Link(spec.bridge);
    if (!link)
      throw Error("bridge", spec.bridge, "has no kernel network device, so libvirt cannot plug guests into it",
                  "check ovs-vswitchd's log and that this hook runs in ovs-vswitchd's network namespace");
    if (p.overlay.mtu && link->mtu != *p.overlay.mtu)
      throw Error("bridge '" + spec.bridge + "' MTU", std::to_string(link->mtu),
                  "is not the overlay MTU " + std::to_string(*p.overlay.mtu) + " that guest taps must copy",
                  "check ovs-vswitchd's log for why mtu_request was not applied");
    if (spec.attach_bridge) {
      const AttachVeth veth = AttachVethNames(spec);
      const std::optional<net::LinkInfo> end = ctx.host.Link(veth.bridge_end);
      if (!end || end->master != *spec.attach_bridge)
        throw Error("veth end", veth.bridge_end, "is not a port of Linux bridge '" + *spec.attach_bridge + "'",
                    "check that nothing removed it from the bridge");
    }
  } catch (const Error& e) {
    outcome.exit_status = 1;
    outcome.message = std::string("vxnet: ") + e.what();
    // start made something; undo it unless OVSDB cannot be reached at all.
    if (reached_ovsdb) {
      const std::size_t warnings_before = outcome.warnings.size();
      Undo(spec, ctx, outcome);
      outcome.message += outcome.warnings.size() == warnings_before ? " (vxnet removed what start made)"
                                                                    : " (undoing start failed too; see the log)";
    }
  }
  return outcome;
}

Outcome Stopped(const NetworkSpec& spec, HookContext& ctx) {
  const Deadline deadline = Deadline::After(ctx.config.timeout);
  Outcome outcome;
  ovs::OvsdbClient client = Connect(ctx.config, deadline);
  outcome.changes = ovs::Teardown(client, spec.name, spec.bridge, deadline).changes;
  if (spec.address) ctx.host.RemoveAddress(spec.bridge, *spec.address);
  RemoveAttachVeth(spec, ctx, outcome);
  return outcome;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// port-created runs before libvirt creates the tap, which copies the
// bridge's MTU: re-assert it first (OVS lets an internal port's MTU drift).
// Then the guest policy, as far as the domain's definition can be read.
Outcome PortCreated(const NetworkSpec& spec, const NetworkPort& port, HookContext& ctx) {
  const Deadline deadline = Deadline::After(ctx.config.timeout);
  Outcome outcome;
  Prepared p = Prepare(spec, ctx);
  outcome.warnings = p.overlay.warnings;
  if (!p.overlay.mtu) return outcome;
  ovs::OvsdbClient client = Connect(ctx.config, deadline);
  outcome.changes = ovs::EnsureBridgeMtu(client, spec.name, spec.bridge, *p.overlay.mtu, deadline).changes;

  const std::string domain = port.owner_name;
  std::optional<Domain> definition;
  for (const std::string& path : {ctx.config.libvirt_state_dir + "/qemu/" + domain + ".xml",
                                  ctx.config.libvirt_config_dir + "/qemu/" + domain + ".xml"}) {
    if (domain.empty() || domain.find('/') != std::string::npos) break;
    std::optional<std::string> text = ReadXmlFile(path);
    if (!text) continue;
    try {
      Domain d = ParseDomainXml(*text);
      const bool has_port = std::any_of(d.interfaces.begin(), d.interfaces.end(),
                                        [&](const DomainInterface& i) { return Lower(i.mac) == Lower(port.mac); });
      if (has_port) {
        definition = std::move(d);
        break;
      }
    } catch (const Error& e) {
      outcome.warnings.push_back(path + ": " + e.what());
    }
  }
  if (!definition) {
    outcome.warnings.push_back("domain '" + Printable(domain) + "' interface " + Printable(port.mac) +
                               ": not found in its definition (hot-plug or transient domain); guest MTU not checked here");
    return outcome;
  }
  for (const DomainInterface& iface : definition->interfaces) {
    if (Lower(iface.mac) != Lower(port.mac)) continue;
    GuestVerdict verdict = CheckGuestInterface(domain, iface, spec.name, *p.overlay.mtu,
                                               EffectivePolicy(spec.guest_mtu_policy, ctx.config.guest_mtu_policy));
    outcome.warnings.insert(outcome.warnings.end(), verdict.warnings.begin(), verdict.warnings.end());
    if (verdict.refusal) {
      outcome.exit_status = 1;
      outcome.message = std::string("vxnet: ") + verdict.refusal->what();
    }
  }
  return outcome;
}

}  // namespace

Outcome ApplyNetwork(const NetworkSpec& spec, HookContext& ctx) {
  try {
    Outcome o = Start(spec, ctx);
    o.managed = true;
    return o;
  } catch (const Error& e) {
    return Refusal(1, std::string("vxnet: ") + e.what(), true);
  }
}

Outcome RemoveNetwork(const NetworkSpec& spec, HookContext& ctx) {
  try {
    Outcome o = Stopped(spec, ctx);
    o.managed = true;
    return o;
  } catch (const Error& e) {
    return Refusal(1, std::string("vxnet: ") + e.what(), true);
  }
}

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

bool FailureAborts(Operation op) {
  return op == Operation::kStart || op == Operation::kStarted || op == Operation::kPortCreated;
}

Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text, HookContext& ctx) {
  if (args.size() < 3)
    return Refusal(2, "usage: vxnet-hook NETWORK OPERATION SUB-OPERATION - (as libvirt calls it; see vxnet-hook --help)", false);
  const Operation op = ParseOperation(args[1]);
  // An operation a newer libvirt invented must not break its networks.
  if (op == Operation::kUnknown) return {};
  const int failure = FailureAborts(op) ? 1 : 0;

  HookData data;
  try {
    data = ParseHookData(stdin_text);
  } catch (const Error& e) {
    return Refusal(failure, std::string("vxnet: ") + e.what(), false);
  }
  if (!data.network.managed()) return {};  // not ours: touch nothing

  std::vector<Error> errors = ValidateNetwork(data.network);
  if (!errors.empty()) return Refusal(failure, std::string("vxnet: ") + errors.front().what(), true);
  const NetworkSpec& spec = *data.network.spec;
  Outcome outcome;
  try {
    switch (op) {
      case Operation::kStart:
        outcome = Start(spec, ctx);
        break;
      case Operation::kStarted:
        outcome = Started(spec, ctx);
        break;
      case Operation::kStopped:
        outcome = Stopped(spec, ctx);
        break;
      case Operation::kPortCreated:
        if (!data.port) throw Error("hook stdin", "port-created", "carries no <networkport>");
        outcome = PortCreated(spec, *data.port, ctx);
        break;
      case Operation::kUpdated: {
        // The live definition changed: bring OVS in line, as start would.
        const Deadline deadline = Deadline::After(ctx.config.timeout);
        Prepared p = Prepare(spec, ctx);
        CheckAttachBridge(spec, ctx);
        ovs::OvsdbClient client = Connect(ctx.config, deadline);
        EnsureAttachVeth(spec, p.overlay.mtu, ctx, outcome);
        for (auto& change : ovs::Reconcile(client, p.desired, deadline).changes) outcome.changes.push_back(std::move(change));
        break;
      }
      case Operation::kPortDeleted:
      case Operation::kUnknown:
        break;
    }
  } catch (const Error& e) {
    outcome.exit_status = failure;
    outcome.message = std::string("vxnet: ") + e.what();
  }
  if (outcome.exit_status != 0) outcome.exit_status = failure;
  outcome.managed = true;
  return outcome;
}

}  // namespace vxnet::hook
