#include "engine/health.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/ascii.h"
#include "engine/overlay.h"
#include "ovs/plan.h"

namespace vxnet::engine {

const char* LevelName(Level l) {
  switch (l) {
    case kOk:
      return "OK";
    case kWarning:
      return "WARNING";
    case kCritical:
      return "CRITICAL";
    case kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

namespace {


// A network reported without looking at the host.
NetworkStatus Uninspected(const std::string& network, const std::string& bridge) {
  NetworkStatus s;
  s.network = network;
  s.bridge = bridge;
  s.declared_mtu = "?";
  return s;
}

// A port libvirt added for a guest's tap that OVS cannot open (ofport -1)
// because the tap is gone. Not vhost-user and other ports that never have
// a kernel device.
bool IsVanishedTap(const ovs::PortRow& port, const ovs::OvsState& state) {
  if (port.interfaces.empty() || !ovs::IsGuestTap(port, state)) return false;
  for (const std::string& uuid : port.interfaces) {
    const ovs::InterfaceRow* iface = state.Interface(uuid);
    if (!iface || !(iface->type.empty() || iface->type == "system" || iface->type == "tap") || iface->ofport != -1)
      return false;
  }
  return true;
}

}  // namespace

NetworkStatus Broken(const std::string& network, const std::string& bridge, const std::string& problem) {
  NetworkStatus s = Uninspected(network, bridge);
  s.Raise(kCritical, problem);
  return s;
}

std::optional<NetworkStatus> Inactive(const std::string& network, const std::string& bridge, bool autostart,
                                      const std::vector<GuestOnNetwork>& guests) {
  if (!autostart && guests.empty()) return std::nullopt;
  NetworkStatus s = Uninspected(network, bridge);
  if (autostart)
    s.Raise(kCritical, "network " + network + " is marked autostart but not active (stopped by hand, or OVS was not "
                       "running when libvirtd started); 'vxnetctl reconcile --all' starts it");
  for (const GuestOnNetwork& g : guests)
    s.Raise(kCritical, "domain '" + g.domain + "' interface " + g.mac + (g.tap.empty() ? "" : " (tap " + g.tap + ")") +
                           " is on network " + network + ", which is not active: the guest is cut off from the overlay "
                           "until it starts ('virsh net-start " + network + "')");
  return s;
}

NetworkStatus Leftover(const std::string& network, const std::string& bridge) {
  NetworkStatus s = Uninspected(network, bridge);
  s.Raise(kWarning, "network " + network + " is not active, but vxnet's rows of it are still in OVS (bridge " + bridge +
                        "; left by a start that failed or timed out, or a network undefined while it ran); 'vxnetctl prune' "
                        "removes them, and the network's next start takes them over");
  return s;
}

void AddConfigFindings(NetworkStatus& s, const std::vector<std::string>& problems, const std::vector<std::string>& notices) {
  for (const auto& p : problems) s.Raise(kCritical, "config: " + p + " (the hook admits nothing of vxnet's until fixed)");
  for (const auto& n : notices) s.Raise(kWarning, "config: " + n);
}

NetworkStatus InspectState(const NetworkSpec& spec, const net::OverlayMtu& overlay, const ovs::OvsState& state,
                           net::HostNetwork& host, const InspectInputs& inputs) {
  std::unique_ptr<Overlay> impl = MakeOverlay(spec);
  return InspectState(spec, *impl, overlay, state, host, inputs);
}

NetworkStatus InspectState(const NetworkSpec& spec, Overlay& impl, const net::OverlayMtu& overlay, const ovs::OvsState& state,
                           net::HostNetwork& host, const InspectInputs& inputs) {
  NetworkStatus s;
  s.inspected = true;
  s.network = spec.name;
  s.bridge = spec.bridge;
  s.declared_mtu = spec.mtu ? std::to_string(*spec.mtu) : "auto";
  s.underlay_mtu = overlay.mtu;
  s.overlay_mtu = inputs.recorded_mtu ? inputs.recorded_mtu : overlay.mtu;
  for (const auto& w : overlay.warnings) s.Raise(kWarning, w);
  AddConfigFindings(s, inputs.config_problems, inputs.config_notices);
  // The MTU was decided at start and guests copied it; the underlay may
  // have changed since.
  if (inputs.recorded_mtu && overlay.mtu && *overlay.mtu != *inputs.recorded_mtu) {
    const std::string what = "the underlay now gives overlay MTU " + std::to_string(*overlay.mtu) + ", the network runs at " +
                             std::to_string(*inputs.recorded_mtu) + " (decided at start)";
    if (*overlay.mtu < *inputs.recorded_mtu)
      s.Raise(kCritical, what + ": packets of the larger size are lost; restart the network when its guests can take it");
    else
      s.Raise(kWarning, what + "; restart the network to use it");
  }

  // The mode's part: tunnels, BFD and drift, or OVN's chassis and ports.
  impl.Judge(InspectView{state, s.overlay_mtu, overlay.own_addresses, inputs.guests}, s);

  if (const std::optional<net::LinkInfo> link = host.Link(spec.bridge)) {
    s.bridge_mtu = link->mtu;
    if (s.overlay_mtu && link->mtu != *s.overlay_mtu)
      s.Raise(kCritical, "bridge " + spec.bridge + " MTU " + std::to_string(link->mtu) + " is not the overlay MTU " +
                             std::to_string(*s.overlay_mtu));
  } else {
    s.Raise(kCritical, "bridge " + spec.bridge + " has no kernel network device");
  }

  const ovs::OvsIndex index(state);
  // Guest taps: every running guest's interface on this network (libvirt's
  // view), and every other port on the bridge that is not vxnet's.
  const ovs::BridgeRow* bridge = index.Bridge(spec.bridge);
  std::map<std::string, std::string> on_bridge;  // port name -> uuid
  if (bridge)
    for (const auto& uuid : bridge->ports)
      if (auto it = state.ports.find(uuid); it != state.ports.end()) on_bridge[it->second.name] = uuid;
  auto check_tap = [&](TapStatus t) {
    const std::optional<net::LinkInfo> link = host.Link(t.name);
    t.mtu = link ? link->mtu : 0;
    t.plugged = on_bridge.count(t.name) > 0;
    const std::string who = "guest tap " + t.name + (t.domain.empty() ? "" : " of domain '" + t.domain + "'");
    // What the guest itself believes: only <mtu> (virtio host_mtu) tells it.
    if (!t.domain.empty() && s.overlay_mtu) {
      const std::string iface = "domain '" + t.domain + "' interface " + t.mac;
      if (t.declared_mtu && *t.declared_mtu > *s.overlay_mtu)
        s.Raise(kCritical, iface + " declares MTU " + std::to_string(*t.declared_mtu) + ", above the overlay MTU " +
                               std::to_string(*s.overlay_mtu) + ": its larger packets are lost; 'vxnetctl adopt " +
                               t.domain + "' lowers it, effective at the guest's next start");
      else if (!t.declared_mtu && *s.overlay_mtu < 1500)
        s.Raise(kWarning, iface + " declares no MTU: the guest assumes 1500 on this " + std::to_string(*s.overlay_mtu) +
                              " overlay and loses larger packets; 'vxnetctl adopt " + t.domain +
                              "' sets it, effective at the guest's next start");
    }
    if (!link) {
      s.Raise(kCritical, who + " does not exist on this host");
    } else if (!t.plugged) {
      s.Raise(kCritical, who + " is not plugged into bridge " + spec.bridge +
                             " (OVS lost it?); 'vxnetctl reconcile " + spec.name + "' plugs it back in");
    } else if (s.overlay_mtu && t.mtu > *s.overlay_mtu) {
      s.Raise(kCritical, who + " MTU " + std::to_string(t.mtu) + " exceeds the overlay MTU " +
                             std::to_string(*s.overlay_mtu) + " (its big packets are lost)");
    } else if (s.overlay_mtu && t.mtu < *s.overlay_mtu) {
      s.Raise(kWarning, who + " MTU " + std::to_string(t.mtu) + " is below the overlay MTU " + std::to_string(*s.overlay_mtu));
    }
    s.taps.push_back(std::move(t));
  };
  // One MAC on two interfaces of one L2 overlay: the bridges learn it now
  // here, now there, and both lose frames. libvirt accepts it (two guests
  // defined from one copied XML, a NIC added with a fixed MAC); vxnet can
  // only see this host's guests, and names them.
  std::map<std::string, std::vector<std::string>> by_mac;
  std::set<std::string> seen;
  for (const GuestOnNetwork& g : inputs.guests) {
    if (g.tap.empty() || !seen.insert(g.tap).second) continue;
    check_tap({g.tap, 0, g.domain, true, g.mac, g.declared_mtu});
    if (!g.mac.empty()) by_mac[AsciiLower(g.mac)].push_back("domain '" + g.domain + "' (tap " + g.tap + ")");
  }
  for (const auto& [mac, users] : by_mac) {
    if (users.size() < 2) continue;
    std::string who;
    for (std::size_t i = 0; i < users.size(); ++i) who += (i == 0 ? "" : i + 1 == users.size() ? " and " : ", ") + users[i];
    s.Raise(kCritical, "MAC " + mac + " is used by " + std::to_string(users.size()) + " interfaces on network " +
                           spec.name + ": " + who + "; frames for one reach the other, give each its own MAC");
  }
  for (const auto& [name, uuid] : on_bridge) {
    const ovs::PortRow& port = state.ports.at(uuid);
    if (name == spec.bridge || port.external_ids.count(kOwnerKey) || seen.count(name)) continue;
    if (!impl.OwnsWholeBridge()) continue;  // a shared bridge: not this network's to judge
    if (!host.Link(name)) {
      // A guest's port whose tap is gone: OVS keeps it when its guest did
      // not stop cleanly (a host reboot). It is libvirt's: only reported.
      if (IsVanishedTap(port, state))
        s.Raise(kWarning, "port " + name + " on bridge " + spec.bridge +
                              " is a guest's, and its tap no longer exists (left in OVS by a guest that did not stop "
                              "cleanly, e.g. across a reboot); vxnet leaves libvirt's ports alone: 'ovs-vsctl del-port " +
                              spec.bridge + " " + name + "' removes it");
      continue;  // not a kernel device: not a tap
    }
    check_tap({name, 0, "", true, "", std::nullopt});
  }
  return s;
}

}  // namespace vxnet::engine
