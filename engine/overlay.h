#pragma once
// One overlay interface, two implementations, in the spirit of Open
// vSwitch's lib/netdev-provider.h: a table of operations documented here
// once, operation by operation; each mode fills it in a file of its own
// (mesh_overlay.cc: a VXLAN tunnel to every peer, made by vxnet;
// ovn_overlay.cc: this host a chassis of OVN, which makes the tunnels);
// network_engine.cc, the generic layer, is the only caller. The mode is
// chosen once, in MakeOverlay, from what the spec (or the run record) says;
// nothing else branches on it.
//
// What both modes share is NOT here but in the generic layer, written once:
// the check that the bridge's name is no foreign kernel device, the choice
// of the overlay MTU from what DeriveMtu measured (and its refusal to
// shrink a running overlay under its guests), the guest MTU policy, the
// bridge MTU re-asserted at port-created, plugging guest taps back in,
// undo of a failed start, the run record, and the generic half of status
// (bridge, taps, MACs, MTU drift).
//
// An Overlay object lives for one operation of one network. Operations
// that may refuse throw vxnet::Error; the generic layer turns that into an
// Outcome and undoes a start when touched() says something may have
// changed.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/health.h"
#include "engine/network_engine.h"
#include "net/overlay_mtu.h"
#include "ovs/ovs_state.h"

namespace vxnet::engine {

// What the generic layer asks Apply to make.
struct ApplyRequest {
  std::optional<int> mtu;                // the overlay MTU chosen
  std::vector<IpAddress> own_addresses;  // this host's, as DeriveMtu read them
  bool start = true;                     // false: an update of a running network
  std::optional<RunRecord> previous;     // what the last start recorded
};

// What status hands an overlay to judge: the host's OVSDB as read once for
// every network, and the network's MTU and addresses.
struct InspectView {
  const ovs::OvsState& state;
  std::optional<int> overlay_mtu;
  std::vector<IpAddress> own_addresses;
  const std::vector<GuestOnNetwork>& guests;
};

class Overlay {
 public:
  virtual ~Overlay() = default;

  // "mesh" or "ovn", for messages.
  virtual const char* mode() const = 0;

  // The overlay MTU the underlay gives now: the path MTU towards each
  // tunnel endpoint less the encapsulation's overhead, the minimum; with
  // this host's own addresses and warnings. Refuses (a declared MTU above
  // what the underlay carries, an endpoint without a route) having changed
  // nothing. May start what Apply finishes (mesh: the first OVSDB read goes
  // out before the routes are asked, without waiting).
  virtual net::OverlayMtu DeriveMtu(Context& ctx) = 0;

  // Makes the host hold the overlay at request.mtu. Fills what it made into
  // `record` (the generic layer writes it): the address only when this run
  // added it or the previous record had it, the veth, the OVN chassis.
  virtual void Apply(const ApplyRequest& request, Context& ctx, Outcome& outcome, RunRecord& record) = 0;

  // 'started': what Apply made is in place as guests need it (the mode's
  // own checks; OVN: ovn-controller made the bridge and registered the
  // chassis). The generic layer checks the kernel bridge and its MTU after.
  virtual void Verify(const std::optional<int>& mtu, const std::optional<RunRecord>& record, Context& ctx,
                      Outcome& outcome) = 0;

  // Whether this object may have changed anything on the host or in a
  // database yet: a failed start is undone only then.
  virtual bool touched() const = 0;

  // Removes what the mode made for `target`, as far as it can; each
  // failure goes to `failures`. Never throws.
  virtual void Teardown(const TeardownTarget& target, Context& ctx, Outcome& outcome,
                        std::vector<std::string>& failures) = 0;

  // port-created, after the generic checks admitted the guest.
  virtual void AdmitPort(const NetworkPort& port, Context& ctx, Outcome& outcome) = 0;

  // port-deleted. `record`: what start recorded, when it did.
  virtual void ReleasePort(const std::string& network, const NetworkPort& port, const std::optional<RunRecord>& record,
                           Context& ctx, Outcome& outcome) = 0;

  // vxnetctl reconcile, after the generic layer plugged the taps back in.
  virtual void PlugGuests(const std::vector<GuestOnNetwork>& guests, Context& ctx, Outcome& outcome) = 0;

  // vxnetctl plan: what Apply and PlugGuests would change at `mtu`.
  virtual std::vector<std::string> Plan(const std::optional<int>& mtu, const std::vector<IpAddress>& own,
                                        const std::vector<GuestOnNetwork>& guests, Context& ctx) = 0;

  // vxnetctl status: reads what the mode needs beyond this host's OVSDB
  // (OVN: its databases). Never throws: what cannot be read is judged.
  virtual void Observe(const std::vector<GuestOnNetwork>& guests, Context& ctx) = 0;

  // vxnetctl status: the mode's findings on what was read (mesh: tunnels,
  // BFD and drift; OVN: chassis, switch and logical ports). Pure.
  virtual void Judge(const InspectView& view, NetworkStatus& status) const = 0;

  // Whether the overlay binds a guest's port by libvirt's interfaceid (OVN:
  // the logical port's name), so vxnetctl adopt pins it in the domain.
  virtual bool BindsPortsByInterfaceId() const = 0;

  // Whether every port on the bridge that is not vxnet's nor a listed
  // guest's is still this network's guest tap (mesh: the bridge is the
  // network's own), or may belong to anyone (OVN: br-int is shared by every
  // OVN network and ovn-controller), so status judges only listed guests.
  virtual bool OwnsWholeBridge() const = 0;
};

// The one choice of mode: the overlay of `spec` (kept by reference: it
// must outlive the overlay).
std::unique_ptr<Overlay> MakeOverlay(const NetworkSpec& spec);
// For a teardown or a port-deleted, where the spec may be unreadable:
// the mode the target says; `spec` may be null.
std::unique_ptr<Overlay> MakeOverlay(NetworkMode mode, const NetworkSpec* spec);

// The two implementations, for MakeOverlay.
std::unique_ptr<Overlay> MakeMeshOverlay(const NetworkSpec* spec);
std::unique_ptr<Overlay> MakeOvnOverlay(const NetworkSpec* spec);

// A client of this host's OVSDB (config.ovsdb), for both modes.
ovs::OvsdbClient ConnectOvsdb(const Config& config, const Deadline& deadline);

// The status of one network from plain data (unit-tested without a host):
// the generic findings, then the overlay's Judge (without Observe).
NetworkStatus InspectState(const NetworkSpec& spec, const net::OverlayMtu& overlay, const ovs::OvsState& state,
                           net::HostNetwork& host, const InspectInputs& inputs = {});
NetworkStatus InspectState(const NetworkSpec& spec, Overlay& overlay, const net::OverlayMtu& mtu, const ovs::OvsState& state,
                           net::HostNetwork& host, const InspectInputs& inputs);

}  // namespace vxnet::engine
