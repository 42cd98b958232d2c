// The qemu hook's "prepare begin": the only moment with the full domain XML
// on stdin and the power to abort a guest's start (also on an incoming
// migration or a restore). Guests on vxnet networks whose MTU the overlay
// cannot carry are refused here; those admitted are recorded, so that
// port-created tells their ports from a hot-plug. "release end" forgets
// them. Every other qemu hook call, and every domain with no interface on a
// vxnet network, passes with exit 0.
#include <exception>

#include "engine/guest_mtu.h"
#include "engine/network_engine.h"
#include "hook/hook.h"
#include "xml/domain_xml.h"
#include "xml/xml_doc.h"

namespace vxnet::hook {

namespace {

using engine::Refusal;

struct VxnetInterface {
  const DomainInterface* iface;
  LibvirtNetwork network;
};

// The domain's interfaces on active vxnet networks, found through each
// network's status file (libvirt writes it at net-start).
std::vector<VxnetInterface> OnVxnetNetworks(const Domain& domain, const engine::Config& config, Outcome& outcome) {
  std::vector<VxnetInterface> out;
  for (const DomainInterface& iface : domain.interfaces) {
    if (iface.type != "network" || iface.network.empty() || iface.network.find('/') != std::string::npos) continue;
    const std::optional<std::string> text = ReadXmlFile(config.libvirt_state_dir + "/network/" + iface.network + ".xml");
    if (!text) continue;  // inactive (libvirt itself refuses the guest) or not readable
    if (text->find(kVxnetNamespace) == std::string::npos) continue;
    try {
      LibvirtNetwork network = ParseNetworkStatusXml(*text);
      if (network.managed()) out.push_back({&iface, std::move(network)});
    } catch (const std::exception& e) {
      outcome.warnings.push_back("network '" + iface.network + "' status file cannot be read; not known to be vxnet's: " +
                                 Printable(e.what(), 200));
    }
  }
  return out;
}

Outcome Admit(const Domain& domain, const std::vector<VxnetInterface>& ifaces, HookEnv& env) {
  Outcome outcome;
  outcome.managed = true;
  env.config.RequireClean();
  for (const std::string& n : env.config.notices) outcome.warnings.push_back(n);
  engine::Context ctx = engine::Context::ForRun(env.config, env.host, env.run);
  engine::GuestRecord record{domain.name, domain.uuid, {}};
  for (const VxnetInterface& v : ifaces) {
    std::vector<Error> errors = ValidateNetwork(v.network);
    if (!errors.empty())
      throw Error("domain '" + domain.name + "' interface " + v.iface->mac + " network '" + v.network.name + "'", "",
                  errors.front().what(), "fix the network's definition, or restart it with this vxnet");
    const NetworkSpec spec = engine::AppliedSpec(*v.network.spec, env.config);
    const std::optional<int> mtu = engine::RecordedOverlayMtu(spec, ctx);
    if (!mtu) continue;
    engine::GuestVerdict verdict = engine::CheckGuestInterface(
        domain.name, *v.iface, spec.name, *mtu, engine::EffectivePolicy(spec.guest_mtu_policy, env.config.guest_mtu_policy));
    outcome.warnings.insert(outcome.warnings.end(), verdict.warnings.begin(), verdict.warnings.end());
    if (verdict.refusal) throw *verdict.refusal;
    record.interfaces.push_back({v.iface->mac, spec.name, v.iface->mtu});
  }
  if (!domain.uuid.empty()) {
    try {
      engine::WriteGuestRecord(env.config.state_dir, record);
    } catch (const Error& e) {
      // port-created will take the ports for hot-plugs: it warns, no harm.
      outcome.warnings.push_back(e.what());
    }
  }
  return outcome;
}

}  // namespace

Outcome RunQemuHook(const std::vector<std::string>& args, std::string_view stdin_text, HookEnv& env) {
  if (!MayConcernVxnet(Role::kQemu, args)) return {};
  Outcome outcome;
  Domain domain;
  try {
    domain = ParseDomainXml(stdin_text);
  } catch (const std::exception& e) {
    // Not known to concern vxnet: failing a guest over it helps nobody.
    outcome.warnings.push_back(std::string("qemu hook stdin cannot be read; guest left alone: ") + Printable(e.what(), 300));
    return outcome;
  }
  if (args[1] == "release") {
    // The guest is gone (stopped, or migrated away): forget its admission.
    if (!domain.uuid.empty() && engine::ReadGuestRecord(env.config.state_dir, domain.uuid)) {
      engine::RemoveGuestRecord(env.config.state_dir, domain.uuid);
      outcome.managed = true;
    }
    return outcome;
  }
  const std::vector<VxnetInterface> ifaces = OnVxnetNetworks(domain, env.config, outcome);
  if (ifaces.empty()) return outcome;
  try {
    Outcome admitted = Admit(domain, ifaces, env);
    admitted.warnings.insert(admitted.warnings.begin(), outcome.warnings.begin(), outcome.warnings.end());
    return admitted;
  } catch (const Error& e) {
    return Refusal(1, std::string("vxnet: ") + e.what(), true);
  } catch (const std::exception& e) {
    return Refusal(1, std::string("vxnet: internal error: ") + Printable(e.what(), 200) + " (please report it)", true);
  }
}

}  // namespace vxnet::hook
