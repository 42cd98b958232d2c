#include "engine/network_engine.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <exception>

#include <unistd.h>

#include "engine/guest_mtu.h"
#include "engine/ovn_engine.h"
#include "net/overlay_mtu.h"
#include "ovs/reconcile.h"
#include "xml/domain_xml.h"
#include "xml/network_xml.h"
#include "xml/xml_doc.h"

namespace vxnet::engine {

namespace {

using std::chrono::milliseconds;

// Where a run's time goes, for the debug log: "mtu=0.4ms reconcile=18.2ms".
class Phases {
 public:
  // `detail`, when given, follows in parentheses: "reconcile=9.8ms (read=…)".
  void Mark(const char* name, const std::string& detail = "") {
    const auto now = std::chrono::steady_clock::now();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s=%.1fms", text_.empty() ? "" : " ", name,
                  std::chrono::duration<double, std::milli>(now - last_).count());
    text_ += buf;
    if (!detail.empty()) text_ += " (" + detail + ")";
    last_ = now;
  }
  const std::string& text() const { return text_; }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::string text_;
};

// The Linux bridge a network attaches must exist before anything changes.
void CheckAttachBridge(const NetworkSpec& spec, Context& ctx) {
  if (!spec.attach_bridge) return;
  const std::optional<net::LinkInfo> link = ctx.host.Link(*spec.attach_bridge);
  if (!link)
    throw Error("attached Linux bridge", *spec.attach_bridge, "does not exist on this host",
                "start what creates it (e.g. docker) before the network, or remove attach-bridge");
  if (link->kind != "bridge")
    throw Error("attached Linux bridge", *spec.attach_bridge,
                "is a '" + (link->kind.empty() ? std::string("device") : link->kind) + "', not a Linux bridge");
}

// Joins the attached Linux bridge to the overlay: a veth pair at the overlay
// MTU, one end enslaved to it, the other becoming an OVS port.
void EnsureAttachVeth(const NetworkSpec& spec, const std::optional<int>& mtu, Context& ctx, Outcome& outcome) {
  if (!spec.attach_bridge) return;
  const AttachVeth veth = AttachVethNames(spec);
  ctx.host.EnsureVethToBridge(veth.ovs_end, veth.bridge_end, *spec.attach_bridge, mtu.value_or(0));
  outcome.changes.push_back("veth " + veth.ovs_end + "/" + veth.bridge_end + " to Linux bridge " + *spec.attach_bridge);
}

void RemoveAttachVeth(const std::optional<std::string>& ovs_end, Context& ctx, Outcome& outcome) {
  if (!ovs_end) return;
  try {
    ctx.host.DeleteLink(*ovs_end);
  } catch (const Error& e) {
    outcome.warnings.push_back(e.what());
  }
}

// Best effort: remove what start made. Never throws; problems are logged.
void Undo(const NetworkSpec& spec, Context& ctx, Outcome& outcome) {
  Context undo{ctx.config, ctx.host, ctx.undo_deadline, ctx.undo_deadline};
  const Outcome removed = StopNetwork(TargetFor(spec.name, spec.bridge, &spec, std::nullopt), undo);
  for (const auto& w : removed.warnings) outcome.warnings.push_back("undo: " + w);
  if (!removed.message.empty()) outcome.warnings.push_back("undo: " + removed.message);
}

enum class Mode { kStart, kUpdate };

// The overlay MTU to apply. At start: derived from the underlay now. On an
// update: the one recorded at start, as long as the network still allows
// it; a change of MTU needs a restart, since running guests keep theirs.
std::optional<int> ChooseMtu(const NetworkSpec& spec, const net::OverlayMtu& overlay, const std::optional<RunRecord>& record,
                             Mode mode) {
  if (mode == Mode::kStart || !record || !record->overlay_mtu) return overlay.mtu;
  const int recorded = *record->overlay_mtu;
  const std::string fix = "restart the network to apply it: virsh net-destroy " + spec.name + " && virsh net-start " + spec.name;
  if (spec.mtu && *spec.mtu != recorded)
    throw Error("network '" + spec.name + "' MTU", std::to_string(*spec.mtu),
                "differs from the overlay MTU " + std::to_string(recorded) +
                    " it was started with, which its running guests keep",
                fix);
  if (overlay.path_limit && *overlay.path_limit < recorded)
    throw Error("network '" + spec.name + "' overlay MTU", std::to_string(recorded),
                "is more than the underlay now carries (" + std::to_string(*overlay.path_limit) + ")", fix);
  return recorded;
}

Outcome Apply(const NetworkSpec& spec, Context& ctx, Mode mode) {
  Phases phases;
  std::vector<IpAddress> own = ctx.host.LocalAddresses();
  // On a unix socket, where a connection is made or refused at once, the
  // first read goes out now and OVSDB answers it while the routes are
  // looked up. Nothing here waits: what does not succeed at once is simply
  // done again below, where it was done before, after the MTU's refusals
  // and with their errors.
  std::optional<ovs::OvsdbClient> client;
  std::optional<ovs::PendingRead> first_read;
  try {
    if (ovs::Endpoint::Parse(ctx.config.ovsdb).kind == ovs::Endpoint::Kind::kUnix) {
      const Deadline at_once = ctx.deadline.Within(std::chrono::milliseconds(0));
      client.emplace(ConnectOvsdb(ctx.config, at_once));
      first_read = ovs::StartRead(*client, ovs::ScopeFor(ovs::DesiredFromSpec(spec, std::nullopt, own)), at_once);
    }
  } catch (const Error&) {
    first_read.reset();
    client.reset();
  }
  const net::OverlayMtu overlay = net::ComputeOverlayMtu(spec, ctx.host, std::move(own));  // refusals change nothing
  const std::optional<RunRecord> previous = ReadRunRecord(ctx.config.state_dir, spec.name);
  const std::optional<int> mtu = ChooseMtu(spec, overlay, previous, mode);
  const ovs::DesiredNetwork desired = ovs::DesiredFromSpec(spec, mtu, overlay.own_addresses);
  CheckAttachBridge(spec, ctx);
  phases.Mark("mtu");
  Outcome outcome;
  outcome.managed = true;
  outcome.warnings = overlay.warnings;
  // Only once a changing transaction was sent is there anything to undo in
  // OVS; the veth, once made, is removed on any failure of a start.
  try {
    if (!client) client.emplace(ConnectOvsdb(ctx.config, ctx.deadline));
    phases.Mark("connect");
    EnsureAttachVeth(spec, mtu, ctx, outcome);
    ovs::ReconcileReport report = ovs::Reconcile(*client, desired, ctx.deadline, first_read ? &*first_read : nullptr);
    for (auto& change : report.changes) outcome.changes.push_back(std::move(change));
    phases.Mark("reconcile", report.timings);
    if (spec.address) {
      ctx.host.EnsureAddress(spec.bridge, *spec.address);
      outcome.changes.push_back("address " + spec.address->ToString() + " on " + spec.bridge + ", link up");
    }
  } catch (const Error& e) {
    if (mode == Mode::kStart) {
      if (client && client->changing_transactions_sent() > 0)
        Undo(spec, ctx, outcome);
      else if (spec.attach_bridge)
        RemoveAttachVeth(AttachVethNames(spec).ovs_end, ctx, outcome);
    }
    outcome.exit_status = 1;
    outcome.message = std::string("vxnet: ") + e.what();
    return outcome;
  }
  outcome.changes.push_back("overlay MTU " + (mtu ? std::to_string(*mtu) : std::string("unset")) + ", " +
                            std::to_string(desired.tunnels.size()) + " tunnel(s)");
  RunRecord record{spec.name,
                   spec.bridge,
                   mtu,
                   spec.address,
                   spec.attach_bridge ? std::optional<std::string>(AttachVethNames(spec).ovs_end) : std::nullopt,
                   SpecDigest(spec),
                   std::nullopt};
  if (record != previous) {
    try {
      WriteRunRecord(ctx.config.state_dir, record);
    } catch (const Error& e) {
      // port-created then derives the MTU again: a help lost, not a failure.
      outcome.warnings.push_back(e.what());
    }
  }
  phases.Mark("address");
  outcome.phases = phases.text();
  return outcome;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Context Context::ForRun(const Config& config, net::HostNetwork& host, const Deadline& run) {
  const milliseconds reserve = std::min<milliseconds>(run.budget() / 4, milliseconds(2000));
  return Context{config, host, run.Before(reserve), run};
}

std::string SpecDigest(const NetworkSpec& spec) {
  NetworkSpec canonical = spec;
  canonical.uuid.reset();  // the same network under another UUID is the same overlay
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, static_cast<std::uint64_t>(StableHash(FormatNetworkXml(canonical))));
  return buf;
}

const NetworkSpec& AppliedSpec(const NetworkSpec& live, const NetworkSpec* persistent,
                               const std::optional<RunRecord>& record) {
  if (!record || record->spec_digest.empty() || !persistent) return live;
  const std::string applied = record->spec_digest;
  if (SpecDigest(live) == applied) return live;
  return SpecDigest(*persistent) == applied ? *persistent : live;
}

NetworkSpec AppliedSpec(const NetworkSpec& live, const Config& config) {
  const std::optional<RunRecord> record = ReadRunRecord(config.state_dir, live.name);
  // The usual case, decided without reading the persistent definition.
  if (!record || record->spec_digest.empty() || SpecDigest(live) == record->spec_digest) return live;
  if (live.name.find('/') != std::string::npos) return live;
  const std::optional<std::string> text = ReadXmlFile(config.libvirt_config_dir + "/qemu/networks/" + live.name + ".xml");
  if (!text) return live;
  try {
    const LibvirtNetwork persistent = ParseNetworkXml(*text);
    if (!persistent.managed() || !ValidateNetwork(persistent).empty()) return live;
    return AppliedSpec(live, &*persistent.spec, record);
  } catch (const Error&) {
    return live;
  }
}

Outcome StartNetwork(const NetworkSpec& spec, Context& ctx) {
  if (spec.is_ovn()) return StartOvnNetwork(spec, ctx);
  return Guarded([&] { return Apply(spec, ctx, Mode::kStart); });
}

Outcome UpdateNetwork(const NetworkSpec& spec, Context& ctx) {
  if (spec.is_ovn()) return UpdateOvnNetwork(spec, ctx);
  return Guarded([&] { return Apply(spec, ctx, Mode::kUpdate); });
}

std::optional<int> RecordedOverlayMtu(const NetworkSpec& spec, Context& ctx) {
  const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
  if (record && record->overlay_mtu) return record->overlay_mtu;
  if (spec.is_ovn()) return DeriveOvnMtu(spec, ctx);
  return net::ComputeOverlayMtu(spec, ctx.host).mtu;
}

// A broken overlay must fail here, at net-start, not later at guest start
// ("Cannot get interface MTU on 'ovs-sw0': No such device").
Outcome VerifyStarted(const NetworkSpec& spec, Context& ctx) {
  if (spec.is_ovn()) return VerifyOvnStarted(spec, ctx);
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    bool reached_ovsdb = false;
    try {
      const net::OverlayMtu overlay = net::ComputeOverlayMtu(spec, ctx.host);
      outcome.warnings = overlay.warnings;
      const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
      const std::optional<int> mtu = record && record->overlay_mtu ? record->overlay_mtu : overlay.mtu;
      const ovs::DesiredNetwork desired = ovs::DesiredFromSpec(spec, mtu, overlay.own_addresses);
      ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
      const ovs::OvsState state = ovs::ReadState(client, ovs::ScopeFor(desired), ctx.deadline);
      reached_ovsdb = true;
      ovs::VerifyNetwork(client, desired, state, ctx.deadline);
      const std::optional<net::LinkInfo> link = ctx.host.Link(spec.bridge);
      if (!link)
        throw Error("bridge", spec.bridge, "has no kernel network device, so libvirt cannot plug guests into it",
                    "check ovs-vswitchd's log and that this hook runs in ovs-vswitchd's network namespace");
      if (mtu && link->mtu != *mtu)
        throw Error("bridge '" + spec.bridge + "' MTU", std::to_string(link->mtu),
                    "is not the overlay MTU " + std::to_string(*mtu) + " that guest taps must copy",
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
  });
}

TeardownTarget TargetFor(const std::string& network, const std::string& bridge, const NetworkSpec* spec,
                         const std::optional<RunRecord>& record) {
  TeardownTarget t{network, bridge, std::nullopt, std::nullopt, std::nullopt};
  if (spec && spec->is_ovn()) t.ovn = OvnRecord{spec->ovn.nb, spec->logical_switch(), ""};
  if (record && record->network == network && record->ovn) t.ovn = record->ovn;
  if (spec) {
    if (!spec->bridge.empty()) t.bridge = spec->bridge;
    t.address = spec->address;
    if (spec->attach_bridge) t.attach_veth = AttachVethNames(*spec).ovs_end;
  }
  if (record && record->network == network) {
    if (!record->bridge.empty()) t.bridge = record->bridge;
    if (record->address) t.address = record->address;
    if (record->attach_veth) t.attach_veth = record->attach_veth;
  }
  return t;
}

Outcome StopNetwork(const TeardownTarget& target, Context& ctx) {
  if (target.ovn) return StopOvnNetwork(target, ctx);
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    std::vector<std::string> failures;
    try {
      ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
      outcome.changes = ovs::Teardown(client, target.network, target.bridge, ctx.deadline).changes;
    } catch (const Error& e) {
      failures.push_back(e.what());
    }
    if (target.address && !target.bridge.empty()) {
      try {
        ctx.host.RemoveAddress(target.bridge, *target.address);
      } catch (const Error& e) {
        failures.push_back(e.what());
      }
    }
    RemoveAttachVeth(target.attach_veth, ctx, outcome);
    if (failures.empty()) {
      RemoveRunRecord(ctx.config.state_dir, target.network);
    } else {
      outcome.exit_status = 1;
      outcome.message = "vxnet: " + failures.front();
      for (std::size_t i = 1; i < failures.size(); ++i) outcome.warnings.push_back(failures[i]);
    }
    return outcome;
  });
}

Outcome ReleasePort(const std::string& network, const NetworkSpec* spec, const NetworkPort& port, Context& ctx) {
  const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, network);
  if ((spec && spec->is_ovn()) || (record && record->ovn)) return ReleaseOvnPort(network, spec, port, ctx);
  Outcome outcome;
  outcome.managed = true;
  return outcome;
}

Outcome PlugGuests(const NetworkSpec& spec, const std::vector<ovs::GuestPort>& guests, Context& ctx) {
  Outcome plugged = Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    if (guests.empty()) return outcome;
    ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
    outcome.changes = ovs::EnsureGuestPorts(client, spec.name, spec.bridge, guests, ctx.deadline).changes;
    return outcome;
  });
  // OVN mode: the taps bind only where their logical ports exist.
  if (!spec.is_ovn() || plugged.exit_status != 0) return plugged;
  Outcome ports = EnsureOvnGuests(spec, guests, ctx);
  ports.changes.insert(ports.changes.begin(), plugged.changes.begin(), plugged.changes.end());
  return ports;
}

namespace {

// An interface on a vxnet network that the qemu hook did not see at
// prepare, on a running domain: a hot-plug. libvirt gives port-created no
// MTU and no domain XML for it, and writes it to no file before the attach
// completes, so its MTU cannot be checked by any hook.
Outcome HotPlug(const NetworkSpec& spec, const NetworkPort& port, int mtu, Context& ctx, Outcome outcome) {
  const std::string who = "domain '" + Printable(port.owner_name) + "' interface " + Printable(port.mac);
  const std::string line = "vxnet-gen interface --network " + spec.name + " --mtu " + std::to_string(mtu);
  if (EffectivePolicy(spec.guest_mtu_policy, ctx.config.guest_mtu_policy) == GuestMtuPolicy::kStrict) {
    outcome.exit_status = 1;
    outcome.message =
        std::string("vxnet: ") +
        Error(who, "",
              "hot-plugged onto network '" + spec.name +
                  "', whose guest-mtu-policy 'strict' admits only interfaces whose MTU vxnet checked, and libvirt "
                  "shows no hook the MTU of a hot-plugged interface",
              "attach it with 'virsh attach-device --config' (checked at the guest's next start), declaring <mtu size='" +
                  std::to_string(mtu) + "'/> (" + line + ")")
            .what();
  } else {
    outcome.warnings.push_back(who + ": hot-plugged onto network '" + spec.name + "' (overlay MTU " + std::to_string(mtu) +
                               "), its MTU unchecked: it must declare <mtu size='" + std::to_string(mtu) + "'/> (" + line +
                               "), or the guest assumes 1500 and loses larger packets");
  }
  return outcome;
}

// libvirt's live status file of the domain (there while it runs), or
// nullopt when the name cannot name a file.
std::optional<std::string> LiveStatusFile(const Config& config, const std::string& domain) {
  if (domain.empty() || domain.find('/') != std::string::npos) return std::nullopt;
  return config.libvirt_state_dir + "/qemu/" + domain + ".xml";
}

}  // namespace

bool IsReconnect(const std::string& network, const NetworkPort& port, const Config& config) {
  const std::optional<std::string> status_file = LiveStatusFile(config, port.owner_name);
  if (!status_file || port.uuid.empty()) return false;
  try {
    const std::optional<std::string> text = ReadXmlFile(*status_file);
    if (!text) return false;
    const Domain d = ParseDomainXml(*text);
    return std::any_of(d.interfaces.begin(), d.interfaces.end(), [&](const DomainInterface& i) {
      return i.network == network && Lower(i.port_id) == Lower(port.uuid) && Lower(i.mac) == Lower(port.mac);
    });
  } catch (const std::exception&) {
    return false;  // unreadable: not known to be a reconnect
  }
}

// port-created runs before libvirt creates the tap, which copies the
// bridge's MTU: re-assert it first (OVS lets an internal port's MTU drift).
// Then: a running guest's port seen again (reconnect) or a port the qemu
// hook admitted at prepare (a start, a restore, an incoming migration)
// needs nothing more; a new port on a running guest is a hot-plug; a start
// the qemu hook did not see (it is not installed) is checked against the
// domain's persistent definition.
Outcome AdmitPort(const NetworkSpec& spec, const NetworkPort& port, bool reconnect, Context& ctx) {
  Outcome admitted = Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    const std::optional<int> mtu = RecordedOverlayMtu(spec, ctx);
    if (!mtu) return outcome;
    ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
    outcome.changes = ovs::EnsureBridgeMtu(client, spec.name, spec.bridge, *mtu, ctx.deadline).changes;

    if (reconnect) return outcome;  // admitted when it started
    if (const auto guest = ReadGuestRecord(ctx.config.state_dir, port.owner_uuid); guest && guest->Find(port.mac))
      return outcome;  // admitted at prepare
    const std::string& domain = port.owner_name;
    const std::optional<std::string> status_file = LiveStatusFile(ctx.config, domain);
    if (!status_file) {
      outcome.warnings.push_back("port-created for a domain with no usable name; guest MTU not checked");
      return outcome;
    }
    if (access(status_file->c_str(), F_OK) == 0) return HotPlug(spec, port, *mtu, ctx, std::move(outcome));
    // A start the qemu hook did not see: its persistent definition tells.
    const std::string definition_file = ctx.config.libvirt_config_dir + "/qemu/" + domain + ".xml";
    std::optional<Domain> definition;
    if (const std::optional<std::string> text = ReadXmlFile(definition_file)) {
      try {
        definition = ParseDomainXml(*text);
      } catch (const Error& e) {
        outcome.warnings.push_back(definition_file + ": " + e.what());
      }
    }
    const DomainInterface* iface = nullptr;
    if (definition)
      for (const DomainInterface& i : definition->interfaces)
        if (Lower(i.mac) == Lower(port.mac)) iface = &i;
    if (!iface) {
      outcome.warnings.push_back("domain '" + Printable(domain) + "' interface " + Printable(port.mac) +
                                 ": neither admitted by the qemu hook nor in a definition (is "
                                 "/etc/libvirt/hooks/qemu.d/vxnet installed?); guest MTU not checked");
      return outcome;
    }
    GuestVerdict verdict = CheckGuestInterface(domain, *iface, spec.name, *mtu,
                                               EffectivePolicy(spec.guest_mtu_policy, ctx.config.guest_mtu_policy));
    outcome.warnings.insert(outcome.warnings.end(), verdict.warnings.begin(), verdict.warnings.end());
    if (verdict.refusal) {
      outcome.exit_status = 1;
      outcome.message = std::string("vxnet: ") + verdict.refusal->what();
    }
    return outcome;
  });
  // OVN mode: once the guest may start, its logical port (named by its
  // interfaceid) makes ovn-controller bind the tap libvirt is about to add.
  if (!spec.is_ovn() || admitted.exit_status != 0) return admitted;
  Outcome bound = AdmitOvnPort(spec, port, ctx);
  bound.changes.insert(bound.changes.begin(), admitted.changes.begin(), admitted.changes.end());
  bound.warnings.insert(bound.warnings.begin(), admitted.warnings.begin(), admitted.warnings.end());
  return bound;
}

// The schema is checked when the first read fails (ReadState), not with
// an extra round trip on every run.
ovs::OvsdbClient ConnectOvsdb(const Config& config, const Deadline& deadline) {
  return ovs::OvsdbClient::Connect(ovs::Endpoint::Parse(config.ovsdb), deadline);
}

}  // namespace vxnet::engine
