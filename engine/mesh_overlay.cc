// The full-mesh overlay: one VXLAN tunnel to every peer the network lists,
// made by vxnet in one OVSDB transaction on the network's own bridge, the
// host's overlay address on the bridge's internal port, and a veth to an
// attached Linux bridge. The operations' contract is engine/overlay.h.
#include <algorithm>

#include "engine/overlay.h"
#include "ovs/desired.h"
#include "ovs/plan.h"
#include "ovs/reconcile.h"

namespace vxnet::engine {

namespace {

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

void RemoveAttachVeth(const std::optional<std::string>& ovs_end, Context& ctx, Outcome& outcome) {
  if (!ovs_end) return;
  try {
    ctx.host.DeleteLink(*ovs_end);
  } catch (const Error& e) {
    outcome.warnings.push_back(e.what());
  }
}

bool Contains(const std::vector<IpAddress>& all, const IpAddress& a) { return std::find(all.begin(), all.end(), a) != all.end(); }

class MeshOverlay final : public Overlay {
 public:
  explicit MeshOverlay(const NetworkSpec* spec) : spec_(spec) {}

  const char* mode() const override { return "mesh"; }

  net::OverlayMtu DeriveMtu(Context& ctx) override {
    std::vector<IpAddress> own = ctx.host.LocalAddresses();
    // On a unix socket, where a connection is made or refused at once, the
    // first read goes out now and OVSDB answers it while the routes are
    // looked up. Nothing here waits: what does not succeed at once is
    // simply done again in Apply, after the MTU's refusals and with their
    // errors.
    try {
      if (ovs::Endpoint::Parse(ctx.config.ovsdb).kind == ovs::Endpoint::Kind::kUnix) {
        const Deadline at_once = ctx.deadline.Within(std::chrono::milliseconds(0));
        client_.emplace(ConnectOvsdb(ctx.config, at_once));
        first_read_ = ovs::StartRead(*client_, ovs::ScopeFor(ovs::DesiredFromSpec(spec(), std::nullopt, own)), at_once);
      }
    } catch (const Error&) {
      first_read_.reset();
      client_.reset();
    }
    return net::ComputeOverlayMtu(spec(), ctx.host, std::move(own));
  }

  void Apply(const ApplyRequest& request, Context& ctx, Outcome& outcome, RunRecord& record) override {
    const NetworkSpec& s = spec();
    const ovs::DesiredNetwork desired = ovs::DesiredFromSpec(s, request.mtu, request.own_addresses);
    CheckAttachBridge(s, ctx);
    if (!client_) client_.emplace(ConnectOvsdb(ctx.config, ctx.deadline));
    if (s.attach_bridge) {
      const AttachVeth veth = AttachVethNames(s);
      veth_made_ = request.start;
      ctx.host.EnsureVethToBridge(veth.ovs_end, veth.bridge_end, *s.attach_bridge, request.mtu.value_or(0));
      record.attach_veth = veth.ovs_end;
      outcome.changes.push_back("veth " + veth.ovs_end + "/" + veth.bridge_end + " to Linux bridge " + *s.attach_bridge);
    }
    ovs::ReconcileReport report = ovs::Reconcile(*client_, desired, ctx.deadline, first_read_ ? &*first_read_ : nullptr);
    for (auto& change : report.changes) outcome.changes.push_back(std::move(change));
    outcome.phases = report.timings;  // the detail of the generic layer's "apply" phase
    if (s.address) {
      // Removed again at stop or undo only when vxnet put it there: an
      // address the host had before (an operator's) stays the operator's.
      const bool had = Contains(request.own_addresses, s.address->address);
      const bool recorded = request.previous && request.previous->address == s.address;
      ctx.host.EnsureAddress(s.bridge, *s.address);
      if (!had || recorded) record.address = s.address;
      outcome.changes.push_back("address " + s.address->ToString() + " on " + s.bridge + ", link up");
    }
    outcome.changes.push_back("overlay MTU " + (request.mtu ? std::to_string(*request.mtu) : std::string("unset")) + ", " +
                              std::to_string(desired.tunnels.size()) + " tunnel(s)");
  }

  void Verify(const std::optional<int>& mtu, const std::optional<RunRecord>&, Context& ctx, Outcome&) override {
    const NetworkSpec& s = spec();
    const std::vector<IpAddress> own = ctx.host.LocalAddresses();
    const ovs::DesiredNetwork desired = ovs::DesiredFromSpec(s, mtu, own);
    ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
    const ovs::OvsState state = ovs::ReadState(client, ovs::ScopeFor(desired), ctx.deadline);
    verified_reach_ = true;
    ovs::VerifyNetwork(client, desired, state, ctx.deadline);
    if (s.attach_bridge) {
      const AttachVeth veth = AttachVethNames(s);
      const std::optional<net::LinkInfo> end = ctx.host.Link(veth.bridge_end);
      if (!end || end->master != *s.attach_bridge)
        throw Error("veth end", veth.bridge_end, "is not a port of Linux bridge '" + *s.attach_bridge + "'",
                    "check that nothing removed it from the bridge");
    }
  }

  bool touched() const override {
    return veth_made_ || verified_reach_ || (client_ && client_->changing_transactions_sent() > 0);
  }

  void Teardown(const TeardownTarget& target, Context& ctx, Outcome& outcome, std::vector<std::string>& failures) override {
    try {
      ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
      for (auto& c : ovs::Teardown(client, target.network, target.bridge, ctx.deadline).changes)
        outcome.changes.push_back(std::move(c));
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
  }

  void AdmitPort(const NetworkPort&, Context&, Outcome&) override {}
  void ReleasePort(const std::string&, const NetworkPort&, const std::optional<RunRecord>&, Context&, Outcome&) override {}
  void PlugGuests(const std::vector<GuestOnNetwork>&, Context&, Outcome&) override {}

  std::vector<std::string> Plan(const std::optional<int>& mtu, const std::vector<IpAddress>& own,
                                const std::vector<GuestOnNetwork>&, Context& ctx) override {
    ovs::OvsdbClient client = ConnectOvsdb(ctx.config, ctx.deadline);
    return ovs::PlanOnly(client, ovs::DesiredFromSpec(spec(), mtu, own), ctx.deadline).Describe();
  }

  void Observe(const std::vector<GuestOnNetwork>&, Context&) override {}

  void Judge(const InspectView& view, NetworkStatus& s) const override {
    const ovs::DesiredNetwork desired = ovs::DesiredFromSpec(spec(), view.overlay_mtu, view.own_addresses);
    try {
      s.drift = ovs::PlanReconcile(desired, view.state).Describe();
    } catch (const Error& e) {
      s.Raise(kCritical, e.what());
    }
    for (const auto& d : s.drift) s.Raise(kCritical, "drift: " + d);
    const ovs::OvsIndex index(view.state);
    for (const auto& t : desired.tunnels) {
      const ovs::PortRow* port = index.Port(t.name);
      const ovs::InterfaceRow* iface = port && !port->interfaces.empty() ? view.state.Interface(port->interfaces[0]) : nullptr;
      TunnelStatus ts{t.name, t.remote.ToString(), iface ? iface->link_state : "missing", iface ? iface->error : "", ""};
      if (t.bfd && iface) {
        auto bfd = iface->bfd_status.find("state");
        ts.bfd_state = bfd == iface->bfd_status.end() ? "unknown" : bfd->second;
        if (ts.bfd_state != "up")
          s.Raise(kWarning, "tunnel " + t.name + ": peer " + ts.peer + " unreachable (BFD " + ts.bfd_state + ")");
      }
      if (!ts.error.empty()) s.Raise(kCritical, "tunnel " + t.name + " to " + ts.peer + ": " + ts.error);
      if (iface && ts.link_state == "down") s.Raise(kWarning, "tunnel " + t.name + " to " + ts.peer + " is down");
      s.tunnels.push_back(std::move(ts));
    }
  }

  bool OwnsWholeBridge() const override { return true; }
  bool BindsPortsByInterfaceId() const override { return false; }

 private:
  const NetworkSpec& spec() const {
    if (!spec_) throw Error("network", "", "has no readable definition, so only its teardown is possible");
    return *spec_;
  }

  const NetworkSpec* spec_;
  std::optional<ovs::OvsdbClient> client_;
  std::optional<ovs::PendingRead> first_read_;
  bool veth_made_ = false;
  bool verified_reach_ = false;
};

}  // namespace

std::unique_ptr<Overlay> MakeMeshOverlay(const NetworkSpec* spec) { return std::make_unique<MeshOverlay>(spec); }

}  // namespace vxnet::engine
