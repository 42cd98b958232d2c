#include "engine/ovn_engine.h"

#include <cinttypes>
#include <cstdio>
#include <exception>

#include "net/overlay_mtu.h"
#include "ovn/chassis.h"
#include "ovn/remote.h"
#include "ovs/reconcile.h"

namespace vxnet::engine {

namespace {

using std::chrono::milliseconds;

void Append(std::vector<std::string>& to, const std::vector<std::string>& from) { to.insert(to.end(), from.begin(), from.end()); }

// This host's chassis name: what the run record says, else OVS's system-id.
std::string ChassisName(ovs::OvsdbClient& local, const std::optional<RunRecord>& record, const Deadline& deadline) {
  if (record && record->ovn && !record->ovn->chassis.empty()) return record->ovn->chassis;
  const ovs::StringMap ids = ovn::ReadChassisSettings(local, deadline);
  auto it = ids.find("system-id");
  if (it == ids.end() || it->second.empty())
    throw Error("Open_vSwitch external_ids:system-id", "", "is not set, so this host is no OVN chassis yet",
                "start the network (its start sets it)");
  return it->second;
}

// The same, through a connection of its own to this host's OVSDB.
std::string LocalChassis(const std::optional<RunRecord>& record, Context& ctx) {
  ovs::OvsdbClient local = ConnectOvsdb(ctx.config, ctx.deadline);
  return ChassisName(local, record, ctx.deadline);
}

// The overlay MTU and the tunnel endpoints it was derived from.
net::OverlayMtu OvnMtu(const NetworkSpec& spec, const OvnRemotes& remotes, const std::string& self, Context& ctx) {
  std::vector<IpAddress> endpoints = ovn::RemoteAddresses(remotes.sb);
  std::vector<std::string> warnings;
  try {
    // Best effort, on a share of the time: the other chassis' endpoints.
    ovs::OvsdbClient sb = ovn::ConnectAny("OVN Southbound DB", remotes.sb, ctx.deadline.Within(milliseconds(1500)));
    const auto others = ovn::OtherEncapIps(ovn::ReadChassis(sb, ctx.deadline.Within(milliseconds(1500))), self);
    endpoints.insert(endpoints.end(), others.begin(), others.end());
  } catch (const Error& e) {
    warnings.push_back(std::string("overlay MTU from the Southbound DB's address only: ") + e.what());
  }
  net::OverlayMtu overlay = net::ComputeOvnOverlayMtu(spec, endpoints, ctx.host);
  Append(overlay.warnings, warnings);
  return overlay;
}

std::optional<int> ChooseOvnMtu(const NetworkSpec& spec, const net::OverlayMtu& overlay, const std::optional<RunRecord>& record,
                                bool update) {
  if (!update || !record || !record->overlay_mtu) return overlay.mtu;
  const int recorded = *record->overlay_mtu;
  const std::string fix = "restart the network to apply it: virsh net-destroy " + spec.name + " && virsh net-start " + spec.name;
  if (spec.mtu && *spec.mtu != recorded)
    throw Error("network '" + spec.name + "' MTU", std::to_string(*spec.mtu),
                "differs from the overlay MTU " + std::to_string(recorded) + " it was started with, which its running guests keep",
                fix);
  return recorded;
}

std::optional<ovn::PortRequest> HostPortRequest(const NetworkSpec& spec, const std::string& chassis) {
  if (!spec.address) return std::nullopt;
  const OvnHostPort names = HostPortNames(spec.name, spec.logical_switch(), chassis);
  return ovn::PortRequest{names.lsp, {names.mac + " " + spec.address->address.ToString()}, ""};
}

// What needs the integration bridge: its MTU (guest taps copy it), the
// host's own port and address. Not at start: ovn-controller makes the
// bridge once it sees the chassis settings; 'started' waits for it.
void ApplyBridgeParts(const NetworkSpec& spec, const std::string& chassis, std::optional<int> mtu, ovs::OvsdbClient& local,
                      Context& ctx, Outcome& outcome) {
  if (mtu) Append(outcome.changes, ovs::EnsureBridgeMtu(local, spec.name, spec.bridge, *mtu, ctx.deadline).changes);
  if (spec.address) {
    const OvnHostPort names = HostPortNames(spec.name, spec.logical_switch(), chassis);
    Append(outcome.changes, ovn::EnsureHostPort(local, spec.bridge, names.port, spec.name, names.lsp, names.mac, mtu, ctx.deadline));
    ctx.host.EnsureAddress(names.port, *spec.address);
    outcome.changes.push_back("address " + spec.address->ToString() + " on " + names.port + ", link up");
  }
}

// The chassis settings a network asks for; `before`: the Open_vSwitch
// row's external_ids as read (an encap IP already set may stay).
ovn::ChassisSettings WantedChassis(const NetworkSpec& spec, const OvnRemotes& remotes, const ovs::StringMap& before, Context& ctx) {
  ovn::ChassisSettings want{remotes.sb, std::string(ToString(spec.ovn.encap)), "", std::string(ToString(spec.datapath)),
                            spec.bridge};
  const std::vector<IpAddress> sb_ips = ovn::RemoteAddresses(remotes.sb);
  if (spec.local_ip) {
    want.encap_ip = spec.local_ip->ToString();
  } else if (!sb_ips.empty()) {
    if (auto src = ctx.host.SourceAddress(sb_ips.front())) want.encap_ip = src->ToString();
  }
  if (want.encap_ip.empty() && !before.count("ovn-encap-ip"))
    throw Error("network '" + spec.name + "' encap IP", "", "cannot be chosen: no route towards the Southbound DB " + remotes.sb,
                "declare local-ip='…' (vxnet-gen --local-ip) or add a route");
  return want;
}

bool ActiveHere(const Config& config, const std::string& network) { return ReadRunRecord(config.state_dir, network).has_value(); }

Outcome Apply(const NetworkSpec& spec, Context& ctx, bool update) {
  Outcome outcome;
  outcome.managed = true;
  const OvnRemotes remotes = ResolveOvnRemotes(spec, ctx.config);
  const std::optional<RunRecord> previous = ReadRunRecord(ctx.config.state_dir, spec.name);
  // The Northbound DB first: unreachable, nothing on this host changes.
  ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", remotes.nb, ctx.deadline);
  ovs::OvsdbClient local = ConnectOvsdb(ctx.config, ctx.deadline);

  const ovs::StringMap before = ovn::ReadChassisSettings(local, ctx.deadline);
  const ovn::ChassisSettings want = WantedChassis(spec, remotes, before, ctx);
  const std::string self = before.count("system-id") ? before.at("system-id") : "";
  const net::OverlayMtu overlay = OvnMtu(spec, remotes, self, ctx);  // refusals here change nothing
  Append(outcome.warnings, overlay.warnings);
  const std::optional<int> mtu = ChooseOvnMtu(spec, overlay, previous, update);

  bool changed = false;
  try {
    const ovn::ChassisPlan chassis = ovn::EnsureChassis(
        local, want, spec.name, ctx.config.system_id_file, [&](const std::string& n) { return ActiveHere(ctx.config, n); },
        ctx.deadline);
    Append(outcome.changes, chassis.Describe());
    const std::string sw = spec.logical_switch();
    const std::optional<ovn::PortRequest> host_port = HostPortRequest(spec, chassis.system_id);
    const ovn::NbChange joined = ovn::ApplyNb(
        nb, sw, host_port ? host_port->name : "", false,
        [&](const ovn::NbView& v) { return ovn::PlanJoin(v, sw, spec.name, chassis.system_id, host_port); }, ctx.deadline);
    changed = true;
    Append(outcome.changes, joined.changes);
    Append(outcome.notes, joined.notes);
    // At start, ovn-controller may not yet have made br-int as these
    // settings ask ('started' waits for that); a running network's is.
    if (update) ApplyBridgeParts(spec, chassis.system_id, mtu, local, ctx, outcome);

    RunRecord record{spec.name, spec.bridge, mtu, spec.address, std::nullopt, SpecDigest(spec),
                     OvnRecord{remotes.nb, sw, chassis.system_id}};
    outcome.changes.push_back("overlay MTU " + (mtu ? std::to_string(*mtu) : std::string("unset")) + ", OVN chassis " +
                              chassis.system_id + ", switch " + sw);
    if (record != previous) {
      try {
        WriteRunRecord(ctx.config.state_dir, record);
      } catch (const Error& e) {
        outcome.warnings.push_back(e.what());
      }
    }
  } catch (const Error& e) {
    outcome.exit_status = 1;
    outcome.message = std::string("vxnet: ") + e.what();
    if (!update && changed) {
      Context undo{ctx.config, ctx.host, ctx.undo_deadline, ctx.undo_deadline};
      TeardownTarget target = TargetFor(spec.name, spec.bridge, &spec, std::nullopt);
      const Outcome removed = StopOvnNetwork(target, undo);
      for (const auto& w : removed.warnings) outcome.warnings.push_back("undo: " + w);
      if (!removed.message.empty()) outcome.warnings.push_back("undo: " + removed.message);
    }
  }
  return outcome;
}

std::string Hex(std::uint64_t v, int digits) {
  char buf[17];
  const std::uint64_t mask = digits >= 16 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (4 * digits)) - 1);
  std::snprintf(buf, sizeof buf, "%0*" PRIx64, digits, static_cast<std::uint64_t>(v & mask));
  return buf;
}

}  // namespace

OvnRemotes ResolveOvnRemotes(const NetworkSpec& spec, const Config& config) {
  OvnRemotes r{spec.ovn.nb.empty() ? config.ovn_nb : spec.ovn.nb, spec.ovn.sb.empty() ? config.ovn_sb : spec.ovn.sb};
  if (r.nb.empty())
    throw Error("network '" + spec.name + "' OVN Northbound DB", "", "is not set",
                "give ovn-nb='tcp:IP:6641' in the network's metadata (vxnet-gen --ovn-nb) or ovn_nb in " + config.path);
  if (r.sb.empty())
    throw Error("network '" + spec.name + "' OVN Southbound DB", "", "is not set",
                "give ovn-sb='tcp:IP:6642' in the network's metadata (vxnet-gen --ovn-sb) or ovn_sb in " + config.path);
  return r;
}

OvnHostPort HostPortNames(const std::string& network, const std::string& logical_switch, const std::string& chassis) {
  const std::uint64_t h = StableHash(logical_switch + "|" + chassis);
  std::string mac = "0a";  // locally administered, unicast
  for (int i = 4; i >= 0; --i) mac.append(":").append(Hex(h >> (8 * i), 2));
  return {"vxh" + Hex(StableHash(network), 12), "vxnet-host-" + logical_switch + "-" + chassis, mac};
}

Outcome StartOvnNetwork(const NetworkSpec& spec, Context& ctx) {
  return Guarded([&] { return Apply(spec, ctx, false); });
}

Outcome UpdateOvnNetwork(const NetworkSpec& spec, Context& ctx) {
  return Guarded([&] { return Apply(spec, ctx, true); });
}

std::optional<int> DeriveOvnMtu(const NetworkSpec& spec, Context& ctx, std::vector<std::string>* warnings) {
  const OvnRemotes remotes = ResolveOvnRemotes(spec, ctx.config);
  const net::OverlayMtu overlay = OvnMtu(spec, remotes, "", ctx);
  if (warnings) Append(*warnings, overlay.warnings);
  return overlay.mtu;
}

Outcome VerifyOvnStarted(const NetworkSpec& spec, Context& ctx) {
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
    bool reached = false;
    try {
      const OvnRemotes remotes = ResolveOvnRemotes(spec, ctx.config);
      ovs::OvsdbClient local = ConnectOvsdb(ctx.config, ctx.deadline);
      reached = true;
      const std::string chassis = ChassisName(local, record, ctx.deadline);
      // ovn-controller makes the bridge and registers the chassis once it
      // sees the settings start wrote: give it most of what is left.
      const auto wait_for = milliseconds(ctx.deadline.remaining().count() * 2 / 3);
      if (!ovn::WaitForBridge(local, spec.bridge, std::string(ToString(spec.datapath)), ctx.deadline.Within(wait_for)))
        throw Error("integration bridge", spec.bridge,
                    "did not appear (datapath " + std::string(ToString(spec.datapath)) + ") within " +
                        std::to_string(wait_for.count()) + " ms: ovn-controller is not running on this host (it creates the bridge)",
                    "start ovn-controller, then start the network again");
      ovs::OvsdbClient sb = ovn::ConnectAny("OVN Southbound DB", remotes.sb, ctx.deadline);
      if (!ovn::WaitForChassis(sb, chassis, ctx.deadline.Within(wait_for)))
        throw Error("OVN chassis", chassis,
                    "is not registered in the Southbound DB " + remotes.sb + " within " + std::to_string(wait_for.count()) +
                        " ms: ovn-controller is not running or cannot reach it",
                    "check ovn-controller's log (ovn-appctl -t ovn-controller connection-status)");
      const std::optional<int> mtu = record && record->overlay_mtu ? record->overlay_mtu : DeriveOvnMtu(spec, ctx);
      ApplyBridgeParts(spec, chassis, mtu, local, ctx, outcome);
      const std::optional<net::LinkInfo> link = ctx.host.Link(spec.bridge);
      if (!link)
        throw Error("bridge", spec.bridge, "has no kernel network device, so libvirt cannot plug guests into it",
                    "check ovs-vswitchd's log and that this hook runs in ovs-vswitchd's network namespace");
      if (mtu && link->mtu != *mtu)
        throw Error("bridge '" + spec.bridge + "' MTU", std::to_string(link->mtu),
                    "is not the overlay MTU " + std::to_string(*mtu) + " that guest taps must copy",
                    "check ovs-vswitchd's log for why mtu_request was not applied");
      outcome.changes.push_back("chassis " + chassis + " registered in the Southbound DB, " + spec.bridge + " at MTU " +
                                std::to_string(link->mtu));
    } catch (const Error& e) {
      outcome.exit_status = 1;
      outcome.message = std::string("vxnet: ") + e.what();
      if (reached) {
        Context undo{ctx.config, ctx.host, ctx.undo_deadline, ctx.undo_deadline};
        TeardownTarget target = TargetFor(spec.name, spec.bridge, &spec, record);
        const Outcome removed = StopOvnNetwork(target, undo);
        outcome.message += removed.exit_status == 0 ? " (vxnet removed what start made)" : " (undoing start failed too; see the log)";
        if (!removed.message.empty()) outcome.warnings.push_back("undo: " + removed.message);
      }
    }
    return outcome;
  });
}

Outcome StopOvnNetwork(const TeardownTarget& target, Context& ctx) {
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    std::vector<std::string> failures;
    std::string chassis = target.ovn ? target.ovn->chassis : "";
    try {
      ovs::OvsdbClient local = ConnectOvsdb(ctx.config, ctx.deadline);
      if (chassis.empty()) chassis = ChassisName(local, std::nullopt, ctx.deadline);
      // The host port (and its address with it) and br-int's MTU, as
      // vxnet recorded them; nothing else on br-int is vxnet's.
      Append(outcome.changes, ovs::Teardown(local, target.network, target.bridge, ctx.deadline).changes);
    } catch (const Error& e) {
      failures.push_back(e.what());
    }
    const std::string nb_remotes = target.ovn && !target.ovn->nb.empty() ? target.ovn->nb : ctx.config.ovn_nb;
    const std::string sw = target.ovn && !target.ovn->logical_switch.empty() ? target.ovn->logical_switch : target.network;
    if (chassis.empty() || nb_remotes.empty()) {
      failures.push_back("OVN Northbound DB: not known (no run record, no ovn_nb in " + ctx.config.path +
                         "); this host's logical ports on switch " + sw + " were left");
    } else {
      try {
        ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", nb_remotes, ctx.deadline);
        const ovn::NbChange left =
            ovn::ApplyNb(nb, sw, "", true, [&](const ovn::NbView& v) { return ovn::PlanLeave(v, sw, chassis); }, ctx.deadline);
        Append(outcome.changes, left.changes);
        Append(outcome.notes, left.notes);
      } catch (const Error& e) {
        failures.push_back(e.what());
      }
    }
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

Outcome AdmitOvnPort(const NetworkSpec& spec, const NetworkPort& port, Context& ctx) {
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    if (port.interface_id.empty())
      throw Error("domain '" + Printable(port.owner_name) + "' interface " + Printable(port.mac), "",
                  "has no interfaceid, so OVN cannot bind it", "the network needs <virtualport type='openvswitch'/>");
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
    const OvnRemotes remotes = ResolveOvnRemotes(spec, ctx.config);
    const std::string chassis = LocalChassis(record, ctx);
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", remotes.nb, ctx.deadline);
    const std::string sw = spec.logical_switch();
    const ovn::PortRequest request{port.interface_id, {port.mac}, port.owner_name};
    const ovn::NbChange c = ovn::ApplyNb(
        nb, sw, port.interface_id, false, [&](const ovn::NbView& v) { return ovn::PlanAdmit(v, sw, spec.name, chassis, request); },
        ctx.deadline);
    outcome.changes = c.changes;
    outcome.notes = c.notes;
    return outcome;
  });
}

Outcome ReleaseOvnPort(const std::string& network, const NetworkSpec* spec, const NetworkPort& port, Context& ctx) {
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    if (port.interface_id.empty()) return outcome;
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, network);
    std::string nb_remotes = record && record->ovn ? record->ovn->nb : "";
    if (nb_remotes.empty() && spec) nb_remotes = ResolveOvnRemotes(*spec, ctx.config).nb;
    if (nb_remotes.empty()) nb_remotes = ctx.config.ovn_nb;
    if (nb_remotes.empty())
      throw Error("network '" + network + "' OVN Northbound DB", "", "is not known", "logical port " + port.interface_id + " was left");
    const std::string chassis = LocalChassis(record, ctx);
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", nb_remotes, ctx.deadline);
    const ovn::NbChange c = ovn::ApplyNb(
        nb, "", port.interface_id, false, [&](const ovn::NbView& v) { return ovn::PlanRelease(v, port.interface_id, chassis); },
        ctx.deadline);
    outcome.changes = c.changes;
    outcome.notes = c.notes;
    return outcome;
  });
}

Outcome EnsureOvnGuests(const NetworkSpec& spec, const std::vector<ovs::GuestPort>& guests, Context& ctx) {
  return Guarded([&] {
    Outcome outcome;
    outcome.managed = true;
    if (guests.empty()) return outcome;
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
    const OvnRemotes remotes = ResolveOvnRemotes(spec, ctx.config);
    const std::string chassis = LocalChassis(record, ctx);
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", remotes.nb, ctx.deadline);
    const std::string sw = spec.logical_switch();
    for (const ovs::GuestPort& g : guests) {
      if (g.interface_id.empty()) continue;
      const ovn::PortRequest request{g.interface_id, {g.mac}, ""};
      const ovn::NbChange c = ovn::ApplyNb(
          nb, sw, g.interface_id, false, [&](const ovn::NbView& v) { return ovn::PlanAdmit(v, sw, spec.name, chassis, request); },
          ctx.deadline);
      Append(outcome.changes, c.changes);
    }
    return outcome;
  });
}

std::vector<std::string> PlanOvnNetwork(const NetworkSpec& spec, const std::vector<ovs::GuestPort>& guests, Context& ctx) {
  std::vector<std::string> lines;
  const OvnRemotes remotes = ResolveOvnRemotes(spec, ctx.config);
  const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
  ovs::OvsdbClient local = ConnectOvsdb(ctx.config, ctx.deadline);
  const ovs::StringMap before = ovn::ReadChassisSettings(local, ctx.deadline);
  const bool has_id = before.count("system-id") && !before.at("system-id").empty();
  const ovn::ChassisPlan chassis = ovn::PlanChassis(WantedChassis(spec, remotes, before, ctx), before, spec.name,
                                                    has_id ? "" : "(a new system-id)",
                                                    [&](const std::string& n) { return ActiveHere(ctx.config, n); });
  Append(lines, chassis.Describe());
  const ovs::OvsState state = ovs::ReadState(local, ctx.deadline);
  if (record && record->overlay_mtu && ovs::OvsIndex(state).Bridge(spec.bridge))
    Append(lines, ovs::PlanBridgeMtu(spec.name, spec.bridge, *record->overlay_mtu, state).Describe());
  ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", remotes.nb, ctx.deadline);
  const std::string sw = spec.logical_switch();
  const std::optional<ovn::PortRequest> host_port = HostPortRequest(spec, chassis.system_id);
  Append(lines, ovn::PlanJoin(ovn::ReadNb(nb, sw, host_port ? host_port->name : "", false, ctx.deadline), sw, spec.name,
                              chassis.system_id, host_port)
                    .changes);
  if (host_port && !ovs::OvsIndex(state).Port(HostPortNames(spec.name, sw, chassis.system_id).port))
    lines.push_back("add host port " + HostPortNames(spec.name, sw, chassis.system_id).port + " on " + spec.bridge);
  for (const ovs::GuestPort& g : guests) {
    if (g.interface_id.empty()) continue;
    const ovn::PortRequest request{g.interface_id, {g.mac}, ""};
    Append(lines, ovn::PlanAdmit(ovn::ReadNb(nb, sw, g.interface_id, false, ctx.deadline), sw, spec.name, chassis.system_id, request)
                      .changes);
  }
  return lines;
}

OvnObservation ObserveOvn(const NetworkSpec& spec, const std::vector<std::string>& ports, Context& ctx) {
  OvnObservation o;
  try {
    o.remotes = ResolveOvnRemotes(spec, ctx.config);
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, spec.name);
    o.chassis = LocalChassis(record, ctx);
  } catch (const Error& e) {
    o.errors.push_back(e.what());
    return o;
  }
  try {
    ovs::OvsdbClient sb = ovn::ConnectAny("OVN Southbound DB", o.remotes.sb, ctx.deadline);
    for (const auto& c : ovn::ReadChassis(sb, ctx.deadline)) {
      if (c.name == o.chassis) {
        o.registered = true;
        o.encaps = c.encaps;
      } else {
        ++o.other_chassis;
      }
    }
    o.bindings = ovn::ReadBindings(sb, ports, ctx.deadline);
  } catch (const Error& e) {
    o.errors.push_back(e.what());
  }
  try {
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", o.remotes.nb, ctx.deadline);
    const ovn::NbView v = ovn::ReadNb(nb, spec.logical_switch(), "", false, ctx.deadline);
    o.switch_found = !v.switches.empty();
    o.switch_vxnets = o.switch_found && ovn::IsVxnets(v.switches.front().external_ids);
    for (const auto& p : ports) {
      const ovn::NbView pv = ovn::ReadNb(nb, "", p, false, ctx.deadline);
      if (pv.port) o.ports[p] = *pv.port;
    }
  } catch (const Error& e) {
    o.errors.push_back(e.what());
  }
  return o;
}

}  // namespace vxnet::engine
