#include "ctl/status_format.h"

#include <nlohmann/json.hpp>

namespace vxnet::ctl {

std::string FormatText(const NetworkStatus& s) {
  auto opt = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string("?"); };
  std::string out = "network " + s.network + ": " + LevelName(s.level) + "\n";
  if (s.inspected)
    out += "  bridge " + s.bridge + ": mtu " + (s.bridge_mtu ? std::to_string(*s.bridge_mtu) : std::string("(no netdev)")) +
           " (declared " + s.declared_mtu + ", overlay " + opt(s.overlay_mtu) + ")\n";
  else
    out += "  bridge " + s.bridge + ": not inspected\n";
  for (const auto& f : s.facts) out += "  " + f + "\n";
  for (const auto& t : s.tunnels)
    out += "  tunnel " + t.name + " -> " + t.peer + ": " + (t.link_state.empty() ? "link ?" : "link " + t.link_state) +
           (t.bfd_state.empty() ? "" : ", bfd " + t.bfd_state) + (t.error.empty() ? "" : ", error: " + t.error) + "\n";
  for (const auto& t : s.taps)
    out += "  guest tap " + t.name + (t.domain.empty() ? "" : " (" + t.domain + " " + t.mac + ")") + ": " +
           (t.mtu ? "mtu " + std::to_string(t.mtu) : std::string("no device")) +
           (t.domain.empty() ? "" : ", declared " + (t.declared_mtu ? std::to_string(*t.declared_mtu) : std::string("none"))) +
           (t.plugged ? "" : ", not plugged") + "\n";
  for (const auto& p : s.problems) out += "  ! " + p + "\n";
  return out;
}

std::string FormatJson(const std::vector<NetworkStatus>& statuses) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& s : statuses) {
    nlohmann::json j{{"network", s.network},
                     {"status", LevelName(s.level)},
                     {"bridge", s.bridge},
                     {"inspected", s.inspected},
                     {"declared_mtu", s.declared_mtu},
                     {"overlay_mtu", s.overlay_mtu ? nlohmann::json(*s.overlay_mtu) : nlohmann::json(nullptr)},
                     {"underlay_overlay_mtu", s.underlay_mtu ? nlohmann::json(*s.underlay_mtu) : nlohmann::json(nullptr)},
                     {"bridge_mtu", s.bridge_mtu ? nlohmann::json(*s.bridge_mtu) : nlohmann::json(nullptr)},
                     {"facts", s.facts},
                     {"drift", s.drift},
                     {"problems", s.problems}};
    j["tunnels"] = nlohmann::json::array();
    for (const auto& t : s.tunnels)
      j["tunnels"].push_back(
          {{"name", t.name}, {"peer", t.peer}, {"link_state", t.link_state}, {"bfd", t.bfd_state}, {"error", t.error}});
    j["taps"] = nlohmann::json::array();
    for (const auto& t : s.taps)
      j["taps"].push_back({{"name", t.name},
                           {"mtu", t.mtu},
                           {"domain", t.domain},
                           {"mac", t.mac},
                           {"declared_mtu", t.declared_mtu ? nlohmann::json(*t.declared_mtu) : nlohmann::json(nullptr)},
                           {"plugged", t.plugged}});
    all.push_back(std::move(j));
  }
  return all.dump(2) + "\n";
}

}  // namespace vxnet::ctl
