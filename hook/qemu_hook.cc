// The qemu hook's "prepare begin": the only moment with the full domain XML
// on stdin and the power to abort a guest's start (also on an incoming
// migration or a restore). Guests on vxnet networks whose MTU the overlay
// cannot carry are refused here; those admitted are recorded, so that
// port-created tells their ports from a hot-plug. "release end" forgets
// them. Every other qemu hook call, and every domain with no interface on a
// vxnet network, passes with exit 0.
#include <exception>

#include "engine/guest_mtu.h"
#include "engine/libvirt_paths.h"
#include "engine/network_engine.h"
#include "hook/hook.h"
#include "xml/domain_xml.h"
#include "xml/file_scan.h"
#include "xml/xml_doc.h"

namespace vxnet::hook {

namespace {

using engine::Refusal;

struct VxnetInterface {
  const DomainInterface* iface;
  LibvirtNetwork network;
};

// The domain's interfaces on active vxnet networks, found through each
// network's status file (libvirt writes it at net-start). A status file
// too large or broken to parse is scanned (xml/file_scan.h): when it is a
// vxnet network's, the guest is refused, never started unchecked.
std::vector<VxnetInterface> OnVxnetNetworks(const Domain& domain, const HookEnv& env, Outcome& outcome,
                                            std::optional<Error>& refusal) {
  std::vector<VxnetInterface> out;
  for (const DomainInterface& iface : domain.interfaces) {
    if (iface.type != "network") continue;
    const std::optional<std::string> file = engine::ActiveNetworkFile(env.config, iface.network);
    if (!file) continue;
    std::optional<std::string> text;
    try {
      text = ReadXmlFile(*file);
    } catch (const Error& e) {
      outcome.warnings.push_back("network '" + iface.network + "': " + e.what() +
                                 "; not known to be vxnet's, so the guest's MTU on it was not checked");
      continue;
    }
    if (!text) continue;  // inactive: libvirt itself refuses the guest
    if (text->find(kVxnetNamespace) == std::string::npos && text->size() <= kMaxXmlBytes) continue;
    try {
      LibvirtNetwork network = ParseNetworkStatusXml(*text);
      if (network.managed()) out.push_back({&iface, std::move(network)});
    } catch (const std::exception& e) {
      const std::optional<bool> vxnet = NetworkFileIsVxnets(*file, env.run);
      if (vxnet == false) continue;
      if (vxnet == true) {
        refusal = Error("domain '" + domain.name + "' interface " + iface.mac + " network '" + iface.network + "'", "",
                    "its status file " + *file + " cannot be read (" + Printable(e.what(), 200) +
                        "), so the guest's MTU cannot be checked: refused rather than started unchecked");
        return {};
      }
      outcome.warnings.push_back("network '" + iface.network + "' status file cannot be read; not known to be vxnet's: " +
                                 Printable(e.what(), 200));
    }
  }
  return out;
}

// Whether `network` is active and vxnet's, asked of its status file alone
// (for a domain whose own XML could not be parsed).
bool IsActiveVxnetNetwork(const std::string& network, const HookEnv& env) {
  const std::optional<std::string> file = engine::ActiveNetworkFile(env.config, network);
  return file && NetworkFileIsVxnets(*file, env.run) == true;
}

// stdin did not tell (`why`): the domain's interfaces, from what the hook
// has of stdin and then from libvirt's definition of the domain argv names;
// one on an active vxnet network refuses the start by name.
Outcome DomainNotRead(const std::vector<std::string>& args, std::string_view text, const std::string& why,
                      const HookEnv& env) {
  const std::string who = "domain '" + Printable(args[0]) + "'";
  DomainNetworks seen = DomainTextNetworks(text, env.run);
  std::string source = "its XML on stdin";
  const auto vxnet_one = [&]() -> std::optional<std::string> {
    for (const std::string& n : seen.networks)
      if (IsActiveVxnetNetwork(n, env)) return n;
    return std::nullopt;
  };
  std::optional<std::string> network = vxnet_one();
  if (!network && !seen.complete) {
    if (const std::optional<std::string> file = engine::DefinedDomainFile(env.config, args[0])) {
      seen = DomainFileNetworks(*file, env.run);
      source = "libvirt's " + *file;
      network = vxnet_one();
    }
  }
  if (network) {
    const Error refusal(who, "", why + ", and " + source + " gives it an interface on vxnet network '" +
                                     Printable(*network) + "', whose MTU cannot be checked: refused rather than started unchecked",
                        why.find("larger than") != std::string::npos ? "make the domain's XML smaller" : "");
    return Refusal(1, std::string("vxnet: ") + refusal.what(), true);
  }
  Outcome o;
  o.warnings.push_back(who + ": " + why + "; " +
                       (seen.complete ? source + " gives it no interface on an active vxnet network"
                                      : "neither stdin nor libvirt's definition tells whether it uses a vxnet network") +
                       ": left alone");
  return o;
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
    return RunQemuHookUnread(args, stdin_text, "hook stdin cannot be read (" + Printable(e.what(), 300) + ")", env);
  }
  if (args[1] == "release") {
    // The guest is gone (stopped, or migrated away): forget its admission.
    if (!domain.uuid.empty() && engine::ReadGuestRecord(env.config.state_dir, domain.uuid)) {
      engine::RemoveGuestRecord(env.config.state_dir, domain.uuid);
      outcome.managed = true;
    }
    return outcome;
  }
  std::optional<Error> unreadable;
  const std::vector<VxnetInterface> ifaces = OnVxnetNetworks(domain, env, outcome, unreadable);
  if (unreadable) return Refusal(1, std::string("vxnet: ") + unreadable->what(), true);
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

Outcome RunQemuHookUnread(const std::vector<std::string>& args, std::string_view partial, const std::string& why,
                          HookEnv& env) {
  if (!MayConcernVxnet(Role::kQemu, args)) return {};
  Outcome outcome;
  if (args[1] == "release") {
    // The record of an admission (if any) stays until the next release:
    // it only helps port-created tell a start from a hot-plug.
    outcome.warnings.push_back("domain '" + Printable(args[0]) + "': " + why + "; its admission record (if any) is kept");
    return outcome;
  }
  try {
    return DomainNotRead(args, partial, why, env);
  } catch (const std::exception& e) {
    // Not known to be vxnet's: nothing to refuse.
    outcome.warnings.push_back("domain '" + Printable(args[0]) + "': " + why + "; internal error: " + Printable(e.what(), 200));
    return outcome;
  }
}

}  // namespace vxnet::hook
