#include "ctl/ovn_status.h"

namespace vxnet::ctl {

void AddOvnFindings(NetworkStatus& s, const std::string& sw, const engine::OvnObservation& o,
                    const std::vector<OvnGuestPort>& guests) {
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
  for (const auto& g : guests) {
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

}  // namespace vxnet::ctl
