#include "engine/network_engine.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <exception>

#include <unistd.h>

#include "common/ascii.h"
#include "engine/guest_mtu.h"
#include "engine/libvirt_paths.h"
#include "engine/overlay.h"
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

// A kernel device of the bridge's name that Open vSwitch did not make (an
// operator's Linux bridge, a veth, a NIC) can never become the network's
// bridge: OVS refuses it ("Invalid argument") after vxnet began, and it is
// not vxnet's to change. Refused by name before anything is touched. OVS's
// own are 'openvswitch' devices (kernel datapath) or taps (userspace).
void CheckBridgeDevice(const NetworkSpec& spec, Context& ctx) {
  const std::optional<net::LinkInfo> link = ctx.host.Link(spec.bridge);
  if (!link || link->kind == "openvswitch" || link->kind == "tun") return;
  throw Error("network '" + spec.name + "' bridge", spec.bridge,
              "exists on this host as a " + (link->kind.empty() ? std::string("network device") : "'" + link->kind + "' device") +
                  " that Open vSwitch did not make, which vxnet leaves alone",
              "choose another bridge name (vxnet-gen network --bridge), or remove that device");
}

// The overlay MTU to apply. At start: derived from the underlay now. On an
// update: the one recorded at start, as long as the network still allows
// it; a change of MTU needs a restart, since running guests keep theirs.
// The same for both modes.
std::optional<int> ChooseMtu(const NetworkSpec& spec, const net::OverlayMtu& overlay, const std::optional<RunRecord>& record,
                             bool start) {
  if (start || !record || !record->overlay_mtu) return overlay.mtu;
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

// Best effort: remove what this run of start made, as `made` records it
// (an address the host had before is not in it). Never throws.
void Undo(const NetworkSpec& spec, const RunRecord& made, Context& ctx, Outcome& outcome) {
  Context undo{ctx.config, ctx.host, ctx.undo_deadline, ctx.undo_deadline};
  const Outcome removed = StopNetwork(TargetFor(spec.name, spec.bridge, &spec, made), undo);
  for (const auto& w : removed.warnings) outcome.warnings.push_back("undo: " + w);
  if (!removed.message.empty()) outcome.warnings.push_back("undo: " + removed.message);
}

Outcome Apply(const NetworkSpec& spec, Context& ctx, bool start) {
  Phases phases;
  CheckBridgeDevice(spec, ctx);
  std::unique_ptr<Overlay> overlay = MakeOverlay(spec);
  const net::OverlayMtu derived = overlay->DeriveMtu(ctx);  // refusals change nothing
  const std::optional<RunRecord> previous = ReadRunRecord(ctx.config.state_dir, spec.name);
  const std::optional<int> mtu = ChooseMtu(spec, derived, previous, start);
  phases.Mark("mtu");
  Outcome outcome;
  outcome.managed = true;
  outcome.warnings = derived.warnings;
  RunRecord record{spec.name, spec.bridge, mtu, std::nullopt, std::nullopt, SpecDigest(spec), std::nullopt};
  try {
    overlay->Apply(ApplyRequest{mtu, derived.own_addresses, start, previous}, ctx, outcome, record);
  } catch (const Error& e) {
    if (start && overlay->touched()) Undo(spec, record, ctx, outcome);
    outcome.exit_status = 1;
    outcome.message = std::string("vxnet: ") + e.what();
    outcome.phases.clear();
    return outcome;
  }
  phases.Mark("apply", outcome.phases);
  if (record != previous) {
    try {
      WriteRunRecord(ctx.config.state_dir, record);
    } catch (const Error& e) {
      // port-created then derives the MTU again: a help lost, not a failure.
      outcome.warnings.push_back(e.what());
    }
  }
  phases.Mark("record");
  outcome.phases = phases.text();
  return outcome;
}

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


}  // namespace

Context Context::ForRun(const Config& config, net::HostNetwork& host, const Deadline& run) {
  const milliseconds reserve = std::min<milliseconds>(run.budget() / 4, milliseconds(2000));
  return Context{config, host, run.Before(reserve), run};
}

std::unique_ptr<net::HostNetwork> OpenHost() { return net::MakeNetlinkHostNetwork(); }

// The schema is checked when the first read fails (ReadState), not with
// an extra round trip on every run.
ovs::OvsdbClient ConnectOvsdb(const Config& config, const Deadline& deadline) {
  return ovs::OvsdbClient::Connect(ovs::Endpoint::Parse(config.ovsdb), deadline);
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
  const std::optional<std::string> file = DefinedNetworkFile(config, live.name);
  if (!file) return live;
  try {
    const std::optional<std::string> text = ReadXmlFile(*file);
    if (!text) return live;
    const LibvirtNetwork persistent = ParseNetworkXml(*text);
    if (!persistent.managed() || !ValidateNetwork(persistent).empty()) return live;
    return AppliedSpec(live, &*persistent.spec, record);
  } catch (const Error&) {
    return live;
  }
}

Outcome StartNetwork(const NetworkSpec& spec, Context& ctx) {
  return Guarded([&] { return Apply(spec, ctx, true); });
}

Outcome UpdateNetwork(const NetworkSpec& spec, Context& ctx) {
  return Guarded([&] { return Apply(spec, ctx, false); });
}

std::optional<int> RecordedOverlayMtu(const NetworkSpec& spec, Context& ctx) {
  const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
  if (record && record->overlay_mtu) return record->overlay_mtu;
  return MakeOverlay(spec)->DeriveMtu(ctx).mtu;
}

bool BindsPortsByInterfaceId(const NetworkSpec& spec) { return MakeOverlay(spec)->BindsPortsByInterfaceId(); }

// A broken overlay must fail here, at net-start, not later at guest start
// ("Cannot get interface MTU on 'ovs-sw0': No such device").
Outcome VerifyStarted(const NetworkSpec& spec, Context& ctx) {
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    std::unique_ptr<Overlay> overlay = MakeOverlay(spec);
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
    try {
      std::optional<int> mtu = record && record->overlay_mtu ? record->overlay_mtu : std::nullopt;
      if (!record || !record->overlay_mtu) {
        const net::OverlayMtu derived = overlay->DeriveMtu(ctx);
        outcome.warnings = derived.warnings;
        mtu = derived.mtu;
      }
      overlay->Verify(mtu, record, ctx, outcome);
      const std::optional<net::LinkInfo> link = ctx.host.Link(spec.bridge);
      if (!link)
        throw Error("bridge", spec.bridge, "has no kernel network device, so libvirt cannot plug guests into it",
                    "check ovs-vswitchd's log and that this hook runs in ovs-vswitchd's network namespace");
      if (mtu && link->mtu != *mtu)
        throw Error("bridge '" + spec.bridge + "' MTU", std::to_string(link->mtu),
                    "is not the overlay MTU " + std::to_string(*mtu) + " that guest taps must copy",
                    "check ovs-vswitchd's log for why mtu_request was not applied");
    } catch (const Error& e) {
      outcome.exit_status = 1;
      outcome.message = std::string("vxnet: ") + e.what();
      // start made something; undo it unless OVSDB cannot be reached at all.
      if (overlay->touched()) {
        const std::size_t warnings_before = outcome.warnings.size();
        const RunRecord made = record ? *record : RunRecord{spec.name, spec.bridge, std::nullopt, std::nullopt,
                                                            std::nullopt, "", std::nullopt};
        Undo(spec, made, ctx, outcome);
        outcome.message += outcome.warnings.size() == warnings_before ? " (vxnet removed what start made)"
                                                                      : " (undoing start failed too; see the log)";
      }
    }
    return outcome;
  });
}

TeardownTarget TargetFor(const std::string& network, const std::string& bridge, const NetworkSpec* spec,
                         const std::optional<RunRecord>& record) {
  TeardownTarget t;
  t.network = network;
  t.bridge = bridge;
  const bool recorded = record && record->network == network;
  if (spec) {
    if (!spec->bridge.empty()) t.bridge = spec->bridge;
    t.mode = spec->mode;
    t.ovn_nb = spec->ovn.nb;
    if (spec->attach_bridge) t.attach_veth = AttachVethNames(*spec).ovs_end;
  }
  if (recorded) {
    if (!record->bridge.empty()) t.bridge = record->bridge;
    // Only an address the record says vxnet added is removed: without a
    // record it may be an operator's, and it stays.
    t.address = record->address;
    if (record->attach_veth) t.attach_veth = record->attach_veth;
    if (record->ovn) {
      t.mode = NetworkMode::kOvn;
      t.ovn = record->ovn;
    }
  }
  return t;
}

Outcome StopNetwork(const TeardownTarget& target, Context& ctx) {
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    std::vector<std::string> failures;
    MakeOverlay(target.mode, nullptr)->Teardown(target, ctx, outcome, failures);
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
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, network);
    const TeardownTarget target = TargetFor(network, "", spec, record);
    MakeOverlay(target.mode, spec)->ReleasePort(network, port, record, ctx, outcome);
    return outcome;
  });
}

namespace {

std::vector<ovs::GuestPort> TapsOf(const std::vector<GuestOnNetwork>& guests) {
  std::vector<ovs::GuestPort> out;
  for (const GuestOnNetwork& g : guests)
    if (!g.tap.empty()) out.push_back({g.tap, g.mac, g.interface_id, g.domain_uuid});
  return out;
}

}  // namespace

Outcome PlugGuests(const NetworkSpec& spec, const std::vector<GuestOnNetwork>& guests, Context& ctx) {
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    const std::vector<ovs::GuestPort> taps = TapsOf(guests);
    if (taps.empty()) return outcome;
    ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
    outcome.changes = ovs::EnsureGuestPorts(client, spec.name, spec.bridge, taps, ctx.deadline).changes;
    // The taps bind only where the overlay gives them what it needs.
    MakeOverlay(spec)->PlugGuests(guests, ctx, outcome);
    return outcome;
  });
}

std::vector<std::string> PlanNetwork(const NetworkSpec& spec, const std::vector<GuestOnNetwork>& guests, Context& ctx) {
  std::unique_ptr<Overlay> overlay = MakeOverlay(spec);
  const net::OverlayMtu derived = overlay->DeriveMtu(ctx);
  const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
  const std::optional<int> mtu = record && record->overlay_mtu ? record->overlay_mtu : derived.mtu;
  return overlay->Plan(mtu, derived.own_addresses, guests, ctx);
}

bool IsReconnect(const std::string& network, const NetworkPort& port, const Config& config) {
  const std::optional<std::string> status_file = RunningDomainFile(config, port.owner_name);
  if (!status_file || port.uuid.empty()) return false;
  try {
    const std::optional<std::string> text = ReadXmlFile(*status_file);
    if (!text) return false;
    const Domain d = ParseDomainXml(*text);
    return std::any_of(d.interfaces.begin(), d.interfaces.end(), [&](const DomainInterface& i) {
      return i.network == network && EqualsIgnoreAsciiCase(i.port_id, port.uuid) && EqualsIgnoreAsciiCase(i.mac, port.mac);
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
    const std::optional<std::string> status_file = RunningDomainFile(ctx.config, domain);
    if (!status_file) {
      outcome.warnings.push_back("port-created for a domain with no usable name; guest MTU not checked");
      return outcome;
    }
    if (access(status_file->c_str(), F_OK) == 0) return HotPlug(spec, port, *mtu, ctx, std::move(outcome));
    // A start the qemu hook did not see: its persistent definition tells.
    const std::string definition_file = DefinedDomainFile(ctx.config, domain).value_or("");
    std::optional<Domain> definition;
    try {
      if (const std::optional<std::string> text = ReadXmlFile(definition_file)) definition = ParseDomainXml(*text);
    } catch (const Error& e) {
      outcome.warnings.push_back(definition_file + ": " + e.what());
    }
    const DomainInterface* iface = nullptr;
    if (definition)
      for (const DomainInterface& i : definition->interfaces)
        if (EqualsIgnoreAsciiCase(i.mac, port.mac)) iface = &i;
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
  // The overlay's part once the guest may start (OVN: its logical port,
  // named by its interfaceid, makes ovn-controller bind the tap libvirt is
  // about to add).
  if (admitted.exit_status != 0) return admitted;
  Outcome bound = Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    MakeOverlay(spec)->AdmitPort(port, ctx, outcome);
    return outcome;
  });
  bound.changes.insert(bound.changes.begin(), admitted.changes.begin(), admitted.changes.end());
  bound.warnings.insert(bound.warnings.begin(), admitted.warnings.begin(), admitted.warnings.end());
  return bound;
}

}  // namespace vxnet::engine
