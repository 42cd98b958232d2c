#include "engine/guest_mtu.h"

namespace vxnet::engine {

GuestVerdict CheckGuestInterface(const std::string& domain, const DomainInterface& iface, const std::string& network,
                                 int overlay_mtu, GuestMtuPolicy policy) {
  GuestVerdict verdict;
  const std::string object = "domain '" + domain + "' interface " + (iface.mac.empty() ? "(no MAC)" : iface.mac) + " MTU";
  const std::string fix = "set <mtu size='" + std::to_string(overlay_mtu) + "'/> in the interface (vxnet-gen interface --network " +
                          network + " --mtu " + std::to_string(overlay_mtu) + ")";
  if (iface.mtu && *iface.mtu > overlay_mtu) {
    verdict.refusal = Error(object, std::to_string(*iface.mtu),
                            "exceeds the overlay MTU " + std::to_string(overlay_mtu) + " of network '" + network + "'", fix);
  } else if (!iface.mtu && overlay_mtu < 1500) {
    Error problem(object, "none", "the guest will assume 1500 but network '" + network + "' carries " +
                                      std::to_string(overlay_mtu) + "; larger packets would be lost",
                  fix);
    if (policy == GuestMtuPolicy::kStrict)
      verdict.refusal = problem;
    else
      verdict.warnings.push_back(problem.what());
  }
  return verdict;
}

GuestMtuPolicy EffectivePolicy(GuestMtuPolicy network, GuestMtuPolicy host) {
  return network == GuestMtuPolicy::kStrict ? network : host;
}

}  // namespace vxnet::engine
