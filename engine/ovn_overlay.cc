#include "engine/ovn_overlay.h"
#include "engine/overlay.h"

#include <cinttypes>
#include <cstdio>
#include <exception>
#include <map>

#include "net/overlay_mtu.h"
#include "ovn/chassis.h"
#include "ovn/northbound.h"
#include "ovn/southbound.h"
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

std::string Hex(std::uint64_t v, int digits) {
  char buf[17];
  const std::uint64_t mask = digits >= 16 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (4 * digits)) - 1);
  std::snprintf(buf, sizeof buf, "%0*" PRIx64, digits, static_cast<std::uint64_t>(v & mask));
  return buf;
}

class OvnOverlay final : public Overlay {
 public:
  explicit OvnOverlay(const NetworkSpec* spec) : spec_(spec) {}

  const char* mode() const override { return "ovn"; }

  // Reads this host's chassis settings on the way: Apply needs them, and
  // the system-id says which chassis' endpoints are the others'.
  net::OverlayMtu DeriveMtu(Context& ctx) override {
    const NetworkSpec& s = spec();
    remotes_ = ResolveOvnRemotes(s, ctx.config);
    std::string self;
    try {
      local_.emplace(ConnectOvsdb(ctx.config, ctx.deadline));
      before_ = ovn::ReadChassisSettings(*local_, ctx.deadline);
      if (auto it = before_->find("system-id"); it != before_->end()) self = it->second;
    } catch (const Error&) {
      local_.reset();  // Apply connects again and says why it cannot
      before_.reset();
    }
    return OvnMtu(s, *remotes_, self, ctx);
  }

  void Apply(const ApplyRequest& request, Context& ctx, Outcome& outcome, RunRecord& record) override {
    const NetworkSpec& s = spec();
    if (!remotes_) remotes_ = ResolveOvnRemotes(s, ctx.config);
    // The Northbound DB first: unreachable, nothing on this host changes.
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", remotes_->nb, ctx.deadline);
    if (!local_) local_.emplace(ConnectOvsdb(ctx.config, ctx.deadline));
    if (!before_) before_ = ovn::ReadChassisSettings(*local_, ctx.deadline);
    const ovn::ChassisSettings want = WantedChassis(s, *remotes_, *before_, ctx);
    const ovn::ChassisPlan chassis = ovn::EnsureChassis(
        *local_, want, s.name, ctx.config.system_id_file, [&](const std::string& n) { return ActiveHere(ctx.config, n); },
        ctx.deadline);
    Append(outcome.changes, chassis.Describe());
    const std::string sw = s.logical_switch();
    record.ovn = OvnRecord{remotes_->nb, sw, chassis.system_id};
    const std::optional<ovn::PortRequest> host_port = HostPortRequest(s, chassis.system_id);
    const ovn::NbChange joined = ovn::ApplyNb(
        nb, sw, host_port ? host_port->name : "", false,
        [&](const ovn::NbView& v) { return ovn::PlanJoin(v, sw, s.name, chassis.system_id, host_port); }, ctx.deadline);
    touched_ = true;  // the chassis settings are the host's to keep; the switch and ports are undone
    Append(outcome.changes, joined.changes);
    Append(outcome.notes, joined.notes);
    // At start, ovn-controller may not yet have made br-int as these
    // settings ask ('started' waits for that); a running network's is.
    if (!request.start) ApplyBridgeParts(s, chassis.system_id, request.mtu, *local_, ctx, outcome);
    record.address = s.address;  // on the host port, which is vxnet's own
    outcome.changes.push_back("overlay MTU " + (request.mtu ? std::to_string(*request.mtu) : std::string("unset")) +
                              ", OVN chassis " + chassis.system_id + ", switch " + sw);
  }

  void Verify(const std::optional<int>& mtu, const std::optional<RunRecord>& record, Context& ctx, Outcome& outcome) override {
    const NetworkSpec& s = spec();
    const OvnRemotes remotes = ResolveOvnRemotes(s, ctx.config);
    ovs::OvsdbClient local = ConnectOvsdb(ctx.config, ctx.deadline);
    touched_ = true;
    const std::string chassis = ChassisName(local, record, ctx.deadline);
    // ovn-controller makes the bridge and registers the chassis once it
    // sees the settings start wrote: give it most of what is left.
    const auto wait_for = milliseconds(ctx.deadline.remaining().count() * 2 / 3);
    if (!ovn::WaitForBridge(local, s.bridge, std::string(ToString(s.datapath)), ctx.deadline.Within(wait_for)))
      throw Error("integration bridge", s.bridge,
                  "did not appear (datapath " + std::string(ToString(s.datapath)) + ") within " +
                      std::to_string(wait_for.count()) + " ms: ovn-controller is not running on this host (it creates the bridge)",
                  "start ovn-controller, then start the network again");
    ovs::OvsdbClient sb = ovn::ConnectAny("OVN Southbound DB", remotes.sb, ctx.deadline);
    if (!ovn::WaitForChassis(sb, chassis, ctx.deadline.Within(wait_for)))
      throw Error("OVN chassis", chassis,
                  "is not registered in the Southbound DB " + remotes.sb + " within " + std::to_string(wait_for.count()) +
                      " ms: ovn-controller is not running or cannot reach it",
                  "check ovn-controller's log (ovn-appctl -t ovn-controller connection-status)");
    ApplyBridgeParts(s, chassis, mtu, local, ctx, outcome);
    outcome.changes.push_back("chassis " + chassis + " registered in the Southbound DB");
  }

  bool touched() const override { return touched_; }

  void Teardown(const TeardownTarget& target, Context& ctx, Outcome& outcome, std::vector<std::string>& failures) override {
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
    std::string nb_remotes = target.ovn && !target.ovn->nb.empty() ? target.ovn->nb : target.ovn_nb;
    if (nb_remotes.empty()) nb_remotes = ctx.config.ovn_nb;
    const std::string sw = target.ovn && !target.ovn->logical_switch.empty() ? target.ovn->logical_switch : target.network;
    if (chassis.empty() || nb_remotes.empty()) {
      failures.push_back("OVN Northbound DB: not known (no run record, no ovn_nb in " + ctx.config.path +
                         "); this host's logical ports on switch " + sw + " were left");
      return;
    }
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

  void AdmitPort(const NetworkPort& port, Context& ctx, Outcome& outcome) override {
    const NetworkSpec& s = spec();
    if (port.interface_id.empty())
      throw Error("domain '" + Printable(port.owner_name) + "' interface " + Printable(port.mac), "",
                  "has no interfaceid, so OVN cannot bind it", "the network needs <virtualport type='openvswitch'/>");
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, s.name);
    const OvnRemotes remotes = ResolveOvnRemotes(s, ctx.config);
    const std::string chassis = LocalChassis(record, ctx);
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", remotes.nb, ctx.deadline);
    const std::string sw = s.logical_switch();
    const ovn::PortRequest request{port.interface_id, {port.mac}, port.owner_name};
    const ovn::NbChange c = ovn::ApplyNb(
        nb, sw, port.interface_id, false, [&](const ovn::NbView& v) { return ovn::PlanAdmit(v, sw, s.name, chassis, request); },
        ctx.deadline);
    Append(outcome.changes, c.changes);
    Append(outcome.notes, c.notes);
  }

  void ReleasePort(const std::string& network, const NetworkPort& port, const std::optional<RunRecord>& record, Context& ctx,
                   Outcome& outcome) override {
    if (port.interface_id.empty()) return;
    std::string nb_remotes = record && record->ovn ? record->ovn->nb : "";
    if (nb_remotes.empty() && spec_) nb_remotes = ResolveOvnRemotes(*spec_, ctx.config).nb;
    if (nb_remotes.empty()) nb_remotes = ctx.config.ovn_nb;
    if (nb_remotes.empty())
      throw Error("network '" + network + "' OVN Northbound DB", "", "is not known", "logical port " + port.interface_id + " was left");
    const std::string chassis = LocalChassis(record, ctx);
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", nb_remotes, ctx.deadline);
    const ovn::NbChange c = ovn::ApplyNb(
        nb, "", port.interface_id, false, [&](const ovn::NbView& v) { return ovn::PlanRelease(v, port.interface_id, chassis); },
        ctx.deadline);
    Append(outcome.changes, c.changes);
    Append(outcome.notes, c.notes);
  }

  void PlugGuests(const std::vector<GuestOnNetwork>& guests, Context& ctx, Outcome& outcome) override {
    const NetworkSpec& s = spec();
    if (guests.empty()) return;
    const std::optional<RunRecord> record = ReadRunRecord(ctx.config.state_dir, s.name);
    const OvnRemotes remotes = ResolveOvnRemotes(s, ctx.config);
    const std::string chassis = LocalChassis(record, ctx);
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", remotes.nb, ctx.deadline);
    const std::string sw = s.logical_switch();
    for (const GuestOnNetwork& g : guests) {
      if (g.interface_id.empty()) continue;
      const ovn::PortRequest request{g.interface_id, {g.mac}, ""};
      const ovn::NbChange c = ovn::ApplyNb(
          nb, sw, g.interface_id, false, [&](const ovn::NbView& v) { return ovn::PlanAdmit(v, sw, s.name, chassis, request); },
          ctx.deadline);
      Append(outcome.changes, c.changes);
    }
  }

  std::vector<std::string> Plan(const std::optional<int>& mtu, const std::vector<IpAddress>&,
                                const std::vector<GuestOnNetwork>& guests, Context& ctx) override {
    const NetworkSpec& s = spec();
    std::vector<std::string> lines;
    const OvnRemotes remotes = ResolveOvnRemotes(s, ctx.config);
    ovs::OvsdbClient local = ConnectOvsdb(ctx.config, ctx.deadline);
    const ovs::StringMap before = ovn::ReadChassisSettings(local, ctx.deadline);
    const bool has_id = before.count("system-id") && !before.at("system-id").empty();
    const ovn::ChassisPlan chassis = ovn::PlanChassis(WantedChassis(s, remotes, before, ctx), before, s.name,
                                                      has_id ? "" : "(a new system-id)",
                                                      [&](const std::string& n) { return ActiveHere(ctx.config, n); });
    Append(lines, chassis.Describe());
    const ovs::OvsState state = ovs::ReadState(local, ctx.deadline);
    if (mtu && ovs::OvsIndex(state).Bridge(s.bridge)) Append(lines, ovs::PlanBridgeMtu(s.name, s.bridge, *mtu, state).Describe());
    ovs::OvsdbClient nb = ovn::ConnectAny("OVN Northbound DB", remotes.nb, ctx.deadline);
    const std::string sw = s.logical_switch();
    const std::optional<ovn::PortRequest> host_port = HostPortRequest(s, chassis.system_id);
    Append(lines, ovn::PlanJoin(ovn::ReadNb(nb, sw, host_port ? host_port->name : "", false, ctx.deadline), sw, s.name,
                                chassis.system_id, host_port)
                      .changes);
    if (host_port && !ovs::OvsIndex(state).Port(HostPortNames(s.name, sw, chassis.system_id).port))
      lines.push_back("add host port " + HostPortNames(s.name, sw, chassis.system_id).port + " on " + s.bridge);
    for (const GuestOnNetwork& g : guests) {
      if (g.interface_id.empty()) continue;
      const ovn::PortRequest request{g.interface_id, {g.mac}, ""};
      Append(lines, ovn::PlanAdmit(ovn::ReadNb(nb, sw, g.interface_id, false, ctx.deadline), sw, s.name, chassis.system_id, request)
                        .changes);
    }
    return lines;
  }

  void Observe(const std::vector<GuestOnNetwork>& guests, Context& ctx) override;
  void Judge(const InspectView& view, NetworkStatus& status) const override;
  bool OwnsWholeBridge() const override { return false; }
  bool BindsPortsByInterfaceId() const override { return true; }

 private:
  const NetworkSpec& spec() const {
    if (!spec_) throw Error("network", "", "has no readable definition, so only its teardown is possible");
    return *spec_;
  }

  // What status saw of OVN.
  struct Observation {
    std::string chassis;  // this host's system-id
    OvnRemotes remotes;
    bool registered = false;
    std::vector<ovn::EncapInfo> encaps;  // this chassis'
    int other_chassis = 0;
    bool switch_found = false, switch_vxnets = false;
    std::map<std::string, ovn::LogicalSwitchPort> ports;  // the asked-for ports that exist, by name
    std::map<std::string, ovn::BindingInfo> bindings;
    std::vector<std::string> errors;  // what could not be read
  };

  const NetworkSpec* spec_;
  std::optional<OvnRemotes> remotes_;
  std::optional<ovs::OvsdbClient> local_;
  std::optional<ovs::StringMap> before_;
  bool touched_ = false;
  Observation seen_;
};

void OvnOverlay::Observe(const std::vector<GuestOnNetwork>& guests, Context& ctx) {
  Observation& o = seen_;
  std::vector<std::string> ports;
  for (const GuestOnNetwork& g : guests)
    if (!g.interface_id.empty()) ports.push_back(g.interface_id);
  try {
    o.remotes = ResolveOvnRemotes(spec(), ctx.config);
    o.chassis = LocalChassis(ReadRunRecord(ctx.config.state_dir, spec().name), ctx);
  } catch (const Error& e) {
    o.errors.push_back(e.what());
    return;
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
    const ovn::NbView v = ovn::ReadNb(nb, spec().logical_switch(), "", false, ctx.deadline);
    o.switch_found = !v.switches.empty();
    o.switch_vxnets = o.switch_found && ovn::IsVxnets(v.switches.front().external_ids);
    for (const auto& p : ports) {
      const ovn::NbView pv = ovn::ReadNb(nb, "", p, false, ctx.deadline);
      if (pv.port) o.ports[p] = *pv.port;
    }
  } catch (const Error& e) {
    o.errors.push_back(e.what());
  }
}

void OvnOverlay::Judge(const InspectView& view, NetworkStatus& s) const {
  const Observation& o = seen_;
  const std::string sw = spec().logical_switch();
  for (const auto& e : o.errors) s.Raise(kCritical, "OVN: " + e);
  if (o.chassis.empty()) return;
  std::string encaps;
  for (const auto& e : o.encaps) encaps += (encaps.empty() ? "" : ", ") + e.type + " " + e.ip;
  s.facts.push_back("chassis " + o.chassis + ": " + (o.registered ? "registered" : "NOT registered") + " in " +
                    o.remotes.sb + (encaps.empty() ? "" : ", encap " + encaps) + "; " + std::to_string(o.other_chassis) +
                    " other chassis");
  if (o.errors.empty() && !o.registered)
    s.Raise(kCritical, "chassis " + o.chassis + " is not registered in the Southbound DB " + o.remotes.sb +
                           ": is ovn-controller running and can it reach it?");
  s.facts.push_back("logical switch " + sw + " in " + o.remotes.nb + ": " +
                    (o.switch_found ? (o.switch_vxnets ? "present" : "present, NOT vxnet's") : "MISSING"));
  if (o.errors.empty() && !o.switch_found)
    s.Raise(kCritical, "logical switch " + sw + " is missing from the Northbound DB; 'vxnetctl reconcile " + s.network + "' makes it");
  if (o.switch_found && !o.switch_vxnets)
    s.Raise(kCritical, "logical switch " + sw + " is not vxnet's (no external_ids:vxnet-network)");
  for (const GuestOnNetwork& g : view.guests) {
    if (g.interface_id.empty()) continue;
    const std::string who = "guest port " + g.interface_id + " of domain '" + g.domain + "'";
    auto lsp = o.ports.find(g.interface_id);
    auto binding = o.bindings.find(g.interface_id);
    const bool up = lsp != o.ports.end() && lsp->second.up.value_or(false);
    const std::string bound = binding == o.bindings.end() ? "" : binding->second.chassis;
    s.facts.push_back(who + ": " + (lsp == o.ports.end() ? "no logical port" : bound.empty() ? "unbound" : "bound to " + bound) +
                      (up ? ", up" : ", down"));
    if (!o.errors.empty()) continue;
    if (lsp == o.ports.end())
      s.Raise(kCritical, who + " has no logical port; 'vxnetctl reconcile " + s.network + "' makes it");
    else if (bound != o.chassis)
      s.Raise(kCritical, who + " is bound to " + (bound.empty() ? std::string("no chassis") : "chassis " + bound) +
                             ", not this one (" + o.chassis + ")");
    else if (!up)
      s.Raise(kWarning, who + " is bound here but not up yet");
  }
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

std::unique_ptr<Overlay> MakeOvnOverlay(const NetworkSpec* spec) { return std::make_unique<OvnOverlay>(spec); }

}  // namespace vxnet::engine
