// The qemu hook's "prepare begin": the only moment with the full domain XML
// on stdin and the power to abort a guest's start. Guests on vxnet networks
// whose MTU the overlay cannot carry are refused here.
#include "hook/guest_mtu.h"
#include "hook/hook.h"
#include "net/overlay_mtu.h"
#include "xml/domain_xml.h"
#include "xml/xml_doc.h"

namespace vxnet::hook {

Outcome RunQemuHook(const std::vector<std::string>& args, std::string_view stdin_text, HookContext& ctx) {
  if (args.size() < 3 || args[1] != "prepare" || args[2] != "begin") return {};
  Outcome outcome;
  Domain domain;
  try {
    domain = ParseDomainXml(stdin_text);
  } catch (const Error& e) {
    // libvirt's own XML; failing every guest over a vxnet bug helps nobody.
    outcome.warnings.push_back(std::string("qemu hook: ") + e.what());
    return outcome;
  }
  for (const DomainInterface& iface : domain.interfaces) {
    if (iface.type != "network" || iface.network.empty() || iface.network.find('/') != std::string::npos) continue;
    // The active network's status file; libvirt writes it at net-start.
    const std::optional<std::string> text =
        ReadXmlFile(ctx.config.libvirt_state_dir + "/network/" + iface.network + ".xml");
    if (!text) continue;  // inactive: libvirt itself refuses the guest
    try {
      LibvirtNetwork network = ParseNetworkStatusXml(*text);
      if (!network.managed() || !ValidateNetwork(network).empty()) continue;
      outcome.managed = true;
      const NetworkSpec& spec = *network.spec;
      net::OverlayMtu overlay = net::ComputeOverlayMtu(spec, ctx.host);
      if (!overlay.mtu) continue;
      GuestVerdict verdict = CheckGuestInterface(domain.name, iface, spec.name, *overlay.mtu,
                                                 EffectivePolicy(spec.guest_mtu_policy, ctx.config.guest_mtu_policy));
      outcome.warnings.insert(outcome.warnings.end(), verdict.warnings.begin(), verdict.warnings.end());
      if (verdict.refusal && outcome.exit_status == 0) {
        outcome.exit_status = 1;
        outcome.message = std::string("vxnet: ") + verdict.refusal->what();
      }
    } catch (const Error& e) {
      if (outcome.exit_status == 0) {
        outcome.exit_status = 1;
        outcome.message = std::string("vxnet: ") + e.what();
      }
    }
  }
  return outcome;
}

}  // namespace vxnet::hook
