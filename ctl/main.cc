// vxnetctl: the overlay's health and repair outside libvirt's hook calls.
// Reads networks and guests through the libvirt API (fine here, unlike in
// the hook) and drives the same engine as the hook.
#include <CLI/CLI.hpp>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "common/ascii.h"
#include "common/uuid.h"
#include "ctl/libvirt_view.h"
#include "ctl/status_format.h"
#include "engine/network_engine.h"
#include "version.h"
#include "xml/domain_xml.h"
#include "xml/interface_pin.h"
#include "xml/network_xml.h"
#include "xml/xml_doc.h"

namespace {

using vxnet::Error;
using vxnet::ctl::GuestInterface;
using vxnet::ctl::LibvirtView;
using vxnet::ctl::NetworkEntry;

struct Env {
  const vxnet::engine::Config& config;
  vxnet::net::HostNetwork& host;
  std::string uri;
};

vxnet::engine::Context Ctx(Env& env) {
  return vxnet::engine::Context::ForRun(env.config, env.host, vxnet::Deadline::After(env.config.timeout));
}

// The running guests' interfaces, as the engine weighs and plugs them. In
// the live XML libvirt shows each as type='bridge' with <source network=…>.
std::vector<vxnet::engine::GuestOnNetwork> Guests(const std::vector<GuestInterface>& interfaces) {
  std::vector<vxnet::engine::GuestOnNetwork> out;
  for (const auto& g : interfaces)
    if (!g.iface.network.empty())
      out.push_back({g.iface.network, g.domain, g.domain_uuid, g.iface.target_dev, g.iface.mac, g.iface.interface_id,
                     g.iface.mtu});
  return out;
}

std::vector<vxnet::engine::GuestOnNetwork> GuestsOn(const std::string& network, const std::vector<GuestInterface>& interfaces) {
  std::vector<vxnet::engine::GuestOnNetwork> out;
  for (auto& g : Guests(interfaces))
    if (g.network == network) out.push_back(std::move(g));
  return out;
}

// What an active, usable network runs with: its live definition, or the
// persistent one 'vxnetctl apply' applied (libvirt < 9.7 keeps the live
// metadata until a restart).
vxnet::NetworkSpec AppliedOf(const NetworkEntry& n, const Env& env) {
  const auto& p = n.persistent_definition;
  const vxnet::NetworkSpec* persistent = p && p->spec && vxnet::ValidateNetwork(*p).empty() ? &*p->spec : nullptr;
  return vxnet::engine::AppliedSpec(*n.definition.spec, persistent, vxnet::engine::ReadRunRecord(env.config.state_dir, n.name));
}

// ---- status ---------------------------------------------------------------

int Status(Env& env, const std::string& only, bool json) {
  using namespace vxnet::ctl;
  LibvirtView libvirt(env.uri, env.config.timeout,
                      {"UNKNOWN: libvirt '" + env.uri + "' did not answer", 1, static_cast<int>(kUnknown)});
  std::vector<vxnet::engine::ListedNetwork> listed;
  bool found = only.empty();
  for (const NetworkEntry& n : libvirt.Networks()) {
    if (!only.empty() && n.name != only) continue;
    if (!n.vxnet()) continue;
    found = true;
    vxnet::engine::ListedNetwork l{n.name, n.definition.bridge, n.active, n.autostart, std::nullopt, ""};
    if (n.usable())
      l.spec = AppliedOf(n, env);
    else
      l.problem = n.problem();
    listed.push_back(std::move(l));
  }
  if (!found) throw Error("network", only, "is not a vxnet network of " + libvirt.uri(), "see 'virsh net-list --all'");
  vxnet::engine::Context ctx = Ctx(env);
  const std::vector<NetworkStatus> statuses =
      vxnet::engine::InspectHost(listed, Guests(libvirt.RunningGuestInterfaces()), !only.empty(), ctx);
  int worst = kOk;
  for (const auto& s : statuses) worst = std::max(worst, static_cast<int>(s.level));
  if (statuses.empty()) {
    for (const auto& p : env.config.problems) std::cout << "config: " << p.what() << "\n";
    if (!env.config.problems.empty()) worst = kCritical;
  }
  if (json) {
    std::cout << FormatJson(statuses);
  } else {
    if (statuses.empty()) std::cout << "no active vxnet network\n";
    for (const auto& s : statuses) std::cout << FormatText(s);
  }
  return worst;
}

// ---- plan, reconcile --------------------------------------------------------

const NetworkEntry& UsableActive(const std::vector<NetworkEntry>& all, const std::string& name, const std::string& uri) {
  for (const auto& n : all) {
    if (n.name != name) continue;
    if (!n.vxnet()) throw Error("network", name, "is not a vxnet network (no vxnet metadata)");
    if (!n.active) throw Error("network", name, "is not active", "virsh net-start " + name);
    if (!n.usable()) throw Error::Plain(n.problem());
    return n;
  }
  throw Error("network", name, "is not a network of " + uri, "see 'virsh net-list --all'");
}

int Plan(Env& env, const std::string& name) {
  LibvirtView libvirt(env.uri, env.config.timeout, {"vxnetctl: libvirt '" + env.uri + "' did not answer", 2, 1});
  const auto all = libvirt.Networks();
  const vxnet::NetworkSpec spec = AppliedOf(UsableActive(all, name, libvirt.uri()), env);
  vxnet::engine::Context ctx = Ctx(env);
  const auto lines = vxnet::engine::PlanNetwork(spec, GuestsOn(spec.name, libvirt.RunningGuestInterfaces()), ctx);
  if (lines.empty()) std::cout << "network " << spec.name << ": nothing to change\n";
  for (const auto& l : lines) std::cout << l << "\n";
  return 0;
}

int Reconcile(Env& env, const std::string& only, bool all, bool inactive) {
  if (all == !only.empty()) throw Error("reconcile", only, "needs exactly one of NETWORK or --all");
  env.config.RequireClean();  // it admits vxnet's own, as the hook does
  LibvirtView libvirt(env.uri, env.config.timeout, {"vxnetctl: libvirt '" + env.uri + "' did not answer", 2, 1});
  if (auto why = libvirt.NotThisHostsSystemDaemon())
    throw Error("libvirt connection", libvirt.uri(), "is not this host's own: " + *why, "run vxnetctl on the host itself");
  const std::vector<NetworkEntry> networks = libvirt.Networks(inactive);
  const std::vector<GuestInterface> guests = libvirt.RunningGuestInterfaces();
  int failed = 0;
  bool found = all;
  for (const NetworkEntry& n : networks) {
    if ((!all && n.name != only) || !n.vxnet()) continue;
    found = true;
    if (!n.usable()) {
      std::cerr << "vxnetctl: skipped: " << n.problem() << "\n";
      ++failed;
      continue;
    }
    if (!n.active) {
      if (!all && !n.autostart) {
        std::cerr << "vxnetctl: network '" << n.name << "' is not active; start it with 'virsh net-start " << n.name << "'\n";
        ++failed;
      } else if (n.autostart) {
        // The boot-order case: libvirtd started it before OVS was up.
        try {
          libvirt.StartNetwork(n.name);
          std::cout << n.name << ": started (marked autostart, was inactive)\n";
        } catch (const Error& e) {
          std::cerr << "vxnetctl: " << e.what() << "\n";
          ++failed;
        }
      }
      continue;
    }
    const vxnet::NetworkSpec spec = inactive ? *n.definition.spec : AppliedOf(n, env);
    vxnet::engine::Context ctx = Ctx(env);
    vxnet::engine::Outcome o = vxnet::engine::UpdateNetwork(spec, ctx);
    if (o.exit_status == 0) {
      vxnet::engine::Outcome plugged = vxnet::engine::PlugGuests(spec, GuestsOn(spec.name, guests), ctx);
      o.changes.insert(o.changes.end(), plugged.changes.begin(), plugged.changes.end());
      o.warnings.insert(o.warnings.end(), plugged.warnings.begin(), plugged.warnings.end());
      if (plugged.exit_status != 0) o = plugged;
    }
    for (const auto& c : o.changes) std::cout << spec.name << ": " << c << "\n";
    for (const auto& w : o.warnings) std::cerr << "vxnetctl: " << spec.name << ": " << w << "\n";
    if (o.exit_status != 0) {
      std::cerr << "vxnetctl: " << spec.name << ": " << o.message << "\n";
      ++failed;
    }
  }
  if (!found) throw Error("network", only, "is not a vxnet network of " + libvirt.uri(), "see 'virsh net-list --all'");
  return failed ? 1 : 0;
}

// ---- apply ------------------------------------------------------------------

// Defines (or redefines, keeping libvirt's UUID) a vxnet network from a file
// and, when it runs, brings the host to it at once, without a restart: peers
// added or removed, BFD, policy. What was applied is recorded, so status,
// reconcile and the hook's 'updated' go by it although libvirt before 9.7
// keeps the old metadata in the running network's live definition.
int ApplyFile(Env& env, const std::string& file) {
  env.config.RequireClean();
  const std::optional<std::string> text = vxnet::ReadXmlFile(file);
  if (!text) throw Error("network file", file, "does not exist");
  vxnet::LibvirtNetwork parsed = vxnet::ParseNetworkXml(*text);
  if (!parsed.managed()) throw Error("network file", file, vxnet::UnmanagedReason(parsed));
  if (auto errors = vxnet::ValidateNetwork(parsed); !errors.empty()) throw errors.front();
  LibvirtView libvirt(env.uri, env.config.timeout, {"vxnetctl: libvirt '" + env.uri + "' did not answer", 2, 1});
  if (auto why = libvirt.NotThisHostsSystemDaemon())
    throw Error("libvirt connection", libvirt.uri(), "is not this host's own: " + *why, "run vxnetctl on the host itself");
  const std::optional<NetworkEntry> existing = libvirt.Network(parsed.name);
  vxnet::NetworkSpec spec = *parsed.spec;
  std::string xml = *text;
  if (existing && !existing->definition.uuid.empty() && existing->definition.uuid != parsed.uuid) {
    xml = vxnet::WithNetworkUuid(*text, existing->definition.uuid);
    spec.uuid = existing->definition.uuid;
    if (!parsed.uuid.empty())
      std::cout << spec.name << ": keeping libvirt's UUID " << existing->definition.uuid << " (the file has " << parsed.uuid
                << ")\n";
  }
  const bool running = existing && existing->active;
  if (running && existing->usable() && AppliedOf(*existing, env).bridge != spec.bridge)
    throw Error("network '" + spec.name + "' bridge", spec.bridge,
                "differs from the bridge '" + AppliedOf(*existing, env).bridge + "' its running guests are plugged into",
                "define it with virsh net-define and restart the network, or keep the bridge name");
  libvirt.DefineNetwork(xml);
  std::cout << spec.name << ": defined" << (existing ? " (replacing the previous definition)" : "") << "\n";
  if (!running) {
    std::cout << spec.name << ": not active; 'virsh net-start " << spec.name << "' starts it with this definition\n";
    return 0;
  }
  vxnet::engine::Context ctx = Ctx(env);
  const vxnet::engine::Outcome o = vxnet::engine::UpdateNetwork(spec, ctx);
  for (const auto& c : o.changes) std::cout << spec.name << ": " << c << "\n";
  for (const auto& w : o.warnings) std::cerr << "vxnetctl: " << spec.name << ": " << w << "\n";
  if (o.exit_status != 0) {
    std::cerr << "vxnetctl: " << spec.name << ": " << o.message << " (the definition is saved: it applies at the next "
              << "restart)\n";
    return 1;
  }
  try {
    if (libvirt.SetLiveMetadata(spec.name, vxnet::FormatOverlayElement(spec), vxnet::kVxnetNamespace))
      std::cout << spec.name << ": live definition updated\n";
    else
      std::cout << spec.name << ": applied; this libvirt keeps the previous settings in the running network's live "
                << "definition until it restarts, and vxnet goes by what was applied\n";
  } catch (const Error& e) {
    std::cerr << "vxnetctl: " << e.what() << " (applied all the same; vxnet goes by what was applied)\n";
  }
  return 0;
}

// ---- adopt ------------------------------------------------------------------

// OVN mode binds ports by interfaceid: pin the one a running guest uses,
// else a new one (the kernel's random UUID).
std::optional<std::string> PinOvnInterfaceIds(LibvirtView& libvirt, const std::string& domain, const std::string& xml,
                                              const std::set<std::string>& networks, std::vector<std::string>& changes) {
  std::map<std::string, std::string> live;
  for (const GuestInterface& g : libvirt.RunningGuestInterfaces())
    if (g.domain == domain) {
      live[vxnet::AsciiLower(g.iface.mac)] = g.iface.interface_id;
    }
  return vxnet::PinInterfaceIds(xml, networks, live, vxnet::RandomUuid, changes);
}

int Adopt(Env& env, const std::string& domain, bool all) {
  if (all == !domain.empty()) throw Error("adopt", domain, "needs exactly one of DOMAIN or --all");
  LibvirtView libvirt(env.uri, env.config.timeout, {"vxnetctl: libvirt '" + env.uri + "' did not answer", 2, 1});
  std::map<std::string, int> mtus;
  std::set<std::string> ovn_networks;  // their guests' interfaceids get pinned
  for (const NetworkEntry& n : libvirt.Networks()) {
    if (!n.active || !n.usable()) continue;
    if (vxnet::engine::BindsPortsByInterfaceId(*n.definition.spec)) ovn_networks.insert(n.name);
    vxnet::engine::Context ctx = Ctx(env);
    if (const auto mtu = vxnet::engine::RecordedOverlayMtu(*n.definition.spec, ctx)) mtus[n.name] = *mtu;
  }
  int changed = 0, found = 0, failed = 0;
  for (const auto& [name, xml] : libvirt.PersistentDomains()) {
    if (!all && name != domain) continue;
    ++found;
    std::vector<std::string> changes;
    std::optional<std::string> updated = vxnet::AdoptInterfaceMtus(xml, mtus, changes);
    if (!ovn_networks.empty())
      if (auto pinned = PinOvnInterfaceIds(libvirt, name, updated ? *updated : xml, ovn_networks, changes)) updated = pinned;
    if (!updated) continue;
    try {
      libvirt.DefineDomain(name, *updated);
      for (const auto& c : changes)
        std::cout << c << "; effective at the guest's next start (virsh shutdown, then start: a reboot from inside "
                          "keeps the running MTU)\n";
      ++changed;
    } catch (const Error& e) {
      std::cerr << "vxnetctl: " << e.what() << "\n";
      ++failed;
    }
  }
  if (!all && found == 0) throw Error("domain", domain, "is not a persistent domain of " + libvirt.uri(), "see 'virsh list --all'");
  if (changed == 0 && failed == 0) std::cout << "nothing to change\n";
  return failed ? 1 : 0;
}

// ---- prune ------------------------------------------------------------------

// Removes what vxnet owns in OVS for networks that libvirt on this host
// says are not active. Anything it cannot be sure of, it leaves alone:
// a network libvirt could not answer for makes the result UNKNOWN (3).
int Prune(Env& env) {
  LibvirtView libvirt(env.uri, env.config.timeout, {"vxnetctl: libvirt '" + env.uri + "' did not answer", 2, 1});
  if (auto why = libvirt.NotThisHostsSystemDaemon())
    throw Error("prune", libvirt.uri(), "refused: " + *why + "; only this host's own libvirtd knows which of its networks are active",
                "run 'vxnetctl prune' on the host, with the default connection (qemu:///system)");
  auto ask = [&](const std::string& network) {
    vxnet::engine::LibvirtVerdict v;
    try {
      const std::optional<NetworkEntry> entry = libvirt.Network(network);
      v.state = entry && entry->active ? vxnet::engine::LibvirtVerdict::State::kActive : vxnet::engine::LibvirtVerdict::State::kInactive;
      if (entry && entry->usable()) v.spec = *entry->definition.spec;
    } catch (const Error& e) {
      v.state = vxnet::engine::LibvirtVerdict::State::kUnknown;
      v.why = e.what();
    }
    return v;
  };
  vxnet::engine::Context ctx = Ctx(env);
  const vxnet::engine::PruneReport report = vxnet::engine::PruneNetworks(ask, libvirt.NetworkCount() > 0, ctx);
  const vxnet::engine::Outcome& o = report.outcome;
  for (const auto& c : o.changes) std::cout << c << "\n";
  for (const auto& w : o.warnings) std::cerr << "vxnetctl: " << w << "\n";
  if (!o.message.empty()) std::cerr << "vxnetctl: " << o.message.substr(o.message.rfind("vxnet: ", 0) == 0 ? 7 : 0) << "\n";
  if (o.exit_status == 0 && report.pruned == 0 && report.unknown == 0) std::cout << "nothing to prune\n";
  if (o.exit_status != 0) return 1;
  return report.unknown ? 3 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // `vxnetctl status | head -1`: a reader that goes away must end the run
  // quietly with its own exit status, not kill it with SIGPIPE (141, which
  // a monitoring system reads as a failed check). Writes then fail with
  // EPIPE, which is checked once, below.
  std::signal(SIGPIPE, SIG_IGN);
  const int exit_status = [&]() -> int {
    CLI::App app{"vxnetctl shows and repairs vxnet overlays (libvirt networks carrying vxnet metadata).\n"
                 "status exits 0 OK, 1 WARNING, 2 CRITICAL (broken or drifted), 3 UNKNOWN.",
                 "vxnetctl"};
    app.set_version_flag("--version", std::string("vxnetctl ") + vxnet::kVersion);
    std::string uri = "qemu:///system";
    app.add_option("-c,--connect", uri, "libvirt URI")->capture_default_str();
    app.require_subcommand(1);

    std::string status_net;
    bool json = false;
    CLI::App* status = app.add_subcommand("status", "Health of vxnet networks: MTUs, tunnels, guest taps, drift");
    status->add_option("NETWORK", status_net, "Only this network");
    status->add_flag("--json", json, "Machine-readable output");

    std::string plan_net;
    CLI::App* plan = app.add_subcommand("plan", "What a reconcile would change, changing nothing");
    plan->add_option("NETWORK", plan_net, "Network")->required();

    std::string rec_net;
    bool all = false, inactive = false;
    CLI::App* reconcile = app.add_subcommand(
        "reconcile",
        "Re-apply active vxnet networks with the hook's engine (after OVS lost state, a manual del-port, …), plug "
        "running guests' taps back in, and start vxnet networks marked autostart that are inactive");
    reconcile->add_option("NETWORK", rec_net, "Network");
    reconcile->add_flag("--all", all, "Every vxnet network");
    reconcile->add_flag("--inactive", inactive,
                        "Apply the persistent definition (after virsh net-define of an edit) to the running network");

    std::string adopt_dom;
    bool adopt_all = false;
    CLI::App* adopt = app.add_subcommand(
        "adopt", "Give a domain's interfaces on vxnet networks <mtu size='M'/> (M: the overlay MTU) in its persistent "
                 "definition, effective at its next boot");
    adopt->add_option("DOMAIN", adopt_dom, "Domain");
    adopt->add_flag("--all", adopt_all, "Every persistent domain");

    std::string apply_file;
    CLI::App* apply = app.add_subcommand(
        "apply", "Define or redefine a vxnet network from FILE (keeping libvirt's UUID) and, if it runs, bring the host to "
                 "it now, without a restart (e.g. peers added or removed)");
    apply->add_option("FILE", apply_file, "Network XML, e.g. from vxnet-gen network")->required();

    CLI::App* prune = app.add_subcommand(
        "prune", "Remove what vxnet owns in OVS for networks this host's libvirtd says are not active");

    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      // A usage error says nothing about the overlay: UNKNOWN (3), as the
      // monitoring-plugin guidelines ask, never 2 (CRITICAL). For status its
      // one line goes to stdout, where monitoring systems read it.
      const std::string line = vxnet::Printable(e.what(), 300) + " (see vxnetctl --help)";
      if (*status)
        std::cout << "UNKNOWN: " << line << "\n";
      else
        std::cerr << "vxnetctl: " << line << "\n";
      return vxnet::ctl::kUnknown;
    }

    const int failure = *status ? vxnet::ctl::kUnknown : 1;
    try {
      const vxnet::engine::Config config = vxnet::engine::LoadConfigFromEnvironment();
      const auto host = vxnet::engine::OpenHost();
      Env env{config, *host, uri};
      if (*status) return Status(env, status_net, json);
      if (*plan) return Plan(env, plan_net);
      if (*reconcile) return Reconcile(env, rec_net, all, inactive);
      if (*adopt) return Adopt(env, adopt_dom, adopt_all);
      if (*apply) return ApplyFile(env, apply_file);
      if (*prune) return Prune(env);
    } catch (const Error& e) {
      if (*status) {
        std::cout << "UNKNOWN: " << e.what() << "\n";
      } else {
        std::cerr << "vxnetctl: " << e.what() << "\n";
      }
      return failure;
    } catch (const std::exception& e) {
      (*status ? std::cout : std::cerr) << (*status ? "UNKNOWN: " : "vxnetctl: ") << "internal error: "
                                        << vxnet::Printable(e.what(), 300) << "\n";
      return failure;
    } catch (...) {
      (*status ? std::cout : std::cerr) << (*status ? "UNKNOWN: " : "vxnetctl: ") << "internal error\n";
      return failure;
    }
    return 0;
  }();
  if (std::cout.flush()) return exit_status;
  // A closed pipe shows as POLLERR on its write end: the reader has all it
  // wanted. Anything else (a full disk) lost output the user asked for.
  pollfd out{STDOUT_FILENO, POLLOUT, 0};
  if (poll(&out, 1, 0) == 1 && (out.revents & POLLERR)) return exit_status;
  std::cerr << "vxnetctl: standard output could not be written\n";
  return exit_status == 0 ? 1 : exit_status;
}
