#include "ctl/status.h"

#include <nlohmann/json.hpp>

#include "ovs/plan.h"

namespace vxnet::ctl {

namespace {

void Raise(NetworkStatus& s, Level level, std::string problem) {
  s.problems.push_back(std::move(problem));
  if (level > s.level) s.level = level;
}

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

}  // namespace

NetworkStatus Inspect(const NetworkSpec& spec, const net::OverlayMtu& overlay, const ovs::OvsState& state,
                      net::HostNetwork& host) {
  NetworkStatus s;
  s.network = spec.name;
  s.bridge = spec.bridge;
  s.declared_mtu = spec.mtu ? std::to_string(*spec.mtu) : "auto";
  s.overlay_mtu = overlay.mtu;
  for (const auto& w : overlay.warnings) Raise(s, kWarning, w);

  const ovs::DesiredNetwork desired = ovs::DesiredFromSpec(spec, overlay.mtu, overlay.own_addresses);
  try {
    s.drift = ovs::PlanReconcile(desired, state).Describe();
  } catch (const Error& e) {
    Raise(s, kCritical, e.what());
  }
  for (const auto& d : s.drift) Raise(s, kCritical, "drift: " + d);

  if (const std::optional<net::LinkInfo> link = host.Link(spec.bridge)) {
    s.bridge_mtu = link->mtu;
    if (overlay.mtu && link->mtu != *overlay.mtu)
      Raise(s, kCritical, "bridge " + spec.bridge + " MTU " + std::to_string(link->mtu) + " is not the overlay MTU " +
                              std::to_string(*overlay.mtu));
  } else {
    Raise(s, kCritical, "bridge " + spec.bridge + " has no kernel network device");
  }

  const ovs::OvsIndex index(state);
  for (const auto& t : desired.tunnels) {
    const ovs::PortRow* port = index.Port(t.name);
    const ovs::InterfaceRow* iface = port && !port->interfaces.empty() ? state.Interface(port->interfaces[0]) : nullptr;
    TunnelStatus ts{t.name, t.remote.ToString(), iface ? iface->link_state : "missing", iface ? iface->error : "", ""};
    if (t.bfd && iface) {
      auto bfd = iface->bfd_status.find("state");
      ts.bfd_state = bfd == iface->bfd_status.end() ? "unknown" : bfd->second;
      if (ts.bfd_state != "up") Raise(s, kWarning, "tunnel " + t.name + ": peer " + ts.peer + " unreachable (BFD " + ts.bfd_state + ")");
    }
    if (!ts.error.empty()) Raise(s, kCritical, "tunnel " + t.name + " to " + ts.peer + ": " + ts.error);
    if (iface && ts.link_state == "down") Raise(s, kWarning, "tunnel " + t.name + " to " + ts.peer + " is down");
    s.tunnels.push_back(std::move(ts));
  }

  // Guest taps: ports on the bridge that are neither vxnet's nor the local one.
  if (const ovs::BridgeRow* bridge = index.Bridge(spec.bridge)) {
    for (const auto& uuid : bridge->ports) {
      auto it = state.ports.find(uuid);
      if (it == state.ports.end() || it->second.name == spec.bridge || it->second.external_ids.count(kOwnerKey)) continue;
      const std::optional<net::LinkInfo> tap = host.Link(it->second.name);
      if (!tap) continue;
      s.taps.push_back({it->second.name, tap->mtu});
      if (overlay.mtu && tap->mtu > *overlay.mtu)
        Raise(s, kCritical, "guest tap " + it->second.name + " MTU " + std::to_string(tap->mtu) +
                                " exceeds the overlay MTU " + std::to_string(*overlay.mtu) + " (its big packets are lost)");
      else if (overlay.mtu && tap->mtu < *overlay.mtu)
        Raise(s, kWarning, "guest tap " + it->second.name + " MTU " + std::to_string(tap->mtu) +
                               " is below the overlay MTU " + std::to_string(*overlay.mtu));
    }
  }
  return s;
}

std::string FormatText(const NetworkStatus& s) {
  auto opt = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string("?"); };
  std::string out = "network " + s.network + ": " + LevelName(s.level) + "\n";
  out += "  bridge " + s.bridge + ": mtu " + (s.bridge_mtu ? std::to_string(*s.bridge_mtu) : std::string("(no netdev)")) +
         " (declared " + s.declared_mtu + ", overlay " + opt(s.overlay_mtu) + ")\n";
  for (const auto& t : s.tunnels)
    out += "  tunnel " + t.name + " -> " + t.peer + ": " + (t.link_state.empty() ? "link ?" : "link " + t.link_state) +
           (t.bfd_state.empty() ? "" : ", bfd " + t.bfd_state) + (t.error.empty() ? "" : ", error: " + t.error) + "\n";
  for (const auto& t : s.taps) out += "  guest tap " + t.name + ": mtu " + std::to_string(t.mtu) + "\n";
  for (const auto& p : s.problems) out += "  ! " + p + "\n";
  return out;
}

std::string FormatJson(const std::vector<NetworkStatus>& statuses) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& s : statuses) {
    nlohmann::json j{{"network", s.network},
                     {"status", LevelName(s.level)},
                     {"bridge", s.bridge},
                     {"declared_mtu", s.declared_mtu},
                     {"overlay_mtu", s.overlay_mtu ? nlohmann::json(*s.overlay_mtu) : nlohmann::json(nullptr)},
                     {"bridge_mtu", s.bridge_mtu ? nlohmann::json(*s.bridge_mtu) : nlohmann::json(nullptr)},
                     {"drift", s.drift},
                     {"problems", s.problems}};
    j["tunnels"] = nlohmann::json::array();
    for (const auto& t : s.tunnels)
      j["tunnels"].push_back(
          {{"name", t.name}, {"peer", t.peer}, {"link_state", t.link_state}, {"bfd", t.bfd_state}, {"error", t.error}});
    j["taps"] = nlohmann::json::array();
    for (const auto& t : s.taps) j["taps"].push_back({{"name", t.name}, {"mtu", t.mtu}});
    all.push_back(std::move(j));
  }
  return all.dump(2) + "\n";
}

}  // namespace vxnet::ctl
