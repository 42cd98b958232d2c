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

#include "ctl/libvirt_view.h"
#include "ctl/ovn_status.h"
#include "ctl/status.h"
#include "engine/network_engine.h"
#include "net/overlay_mtu.h"
#include "ovs/desired.h"
#include "ovs/reconcile.h"
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

vxnet::ovs::OvsdbClient ConnectOvsdb(const Env& env, const vxnet::Deadline& deadline) {
  return vxnet::ovs::OvsdbClient::Connect(vxnet::ovs::Endpoint::Parse(env.config.ovsdb), deadline);
}

std::vector<std::string> Messages(const std::vector<Error>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.what());
  return out;
}

// A running guest's interface on `network`. In the live XML libvirt shows
// it as type='bridge' with <source network=… bridge=…>.
bool IsOn(const GuestInterface& g, const std::string& network) { return g.iface.network == network; }

// The running guests' taps on `network`, as the engine plugs them.
std::vector<vxnet::ovs::GuestPort> GuestPortsOn(const std::string& network, const std::vector<GuestInterface>& guests) {
  std::vector<vxnet::ovs::GuestPort> out;
  for (const auto& g : guests)
    if (IsOn(g, network) && !g.iface.target_dev.empty())
      out.push_back({g.iface.target_dev, g.iface.mac, g.iface.interface_id, g.domain_uuid});
  return out;
}

// The running guests' interfaces on `network`, as status weighs them.
std::vector<vxnet::ctl::GuestTap> GuestTapsOn(const std::string& network, const std::vector<GuestInterface>& guests) {
  std::vector<vxnet::ctl::GuestTap> out;
  for (const auto& g : guests)
    if (IsOn(g, network)) out.push_back({g.domain, g.iface.target_dev, g.iface.mac, g.iface.mtu});
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
  std::vector<NetworkStatus> statuses;
  const vxnet::Deadline deadline = vxnet::Deadline::After(env.config.timeout);
  auto client = ConnectOvsdb(env, deadline);
  const vxnet::ovs::OvsState state = vxnet::ovs::ReadState(client, deadline);
  const std::vector<GuestInterface> guests = libvirt.RunningGuestInterfaces();
  const std::vector<std::string> problems = Messages(env.config.problems);
  bool found = only.empty();
  for (const NetworkEntry& n : libvirt.Networks()) {
    if (!only.empty() && n.name != only) continue;
    if (!n.vxnet()) continue;
    found = true;
    if (!n.active) {
      if (auto s = Inactive(n.name, n.definition.bridge, n.autostart, GuestTapsOn(n.name, guests))) {
        AddConfigFindings(*s, problems, env.config.notices);
        statuses.push_back(std::move(*s));
      }
      continue;
    }
    if (!n.usable()) {
      statuses.push_back(Broken(n.name, n.definition.bridge, n.problem()));
      AddConfigFindings(statuses.back(), problems, env.config.notices);
      continue;
    }
    const vxnet::NetworkSpec spec = AppliedOf(n, env);
    vxnet::net::OverlayMtu overlay;
    vxnet::engine::Context ctx = Ctx(env);
    try {
      if (spec.is_ovn())
        overlay.mtu = vxnet::engine::DeriveOvnMtu(spec, ctx, &overlay.warnings);
      else
        overlay = vxnet::net::ComputeOverlayMtu(spec, env.host);
    } catch (const Error& e) {
      overlay.warnings.push_back(e.what());
    }
    InspectInputs inputs;
    if (const auto record = vxnet::engine::ReadRunRecord(env.config.state_dir, spec.name)) inputs.recorded_mtu = record->overlay_mtu;
    inputs.guests = GuestTapsOn(spec.name, guests);
    inputs.config_problems = problems;
    inputs.config_notices = env.config.notices;
    statuses.push_back(Inspect(spec, overlay, state, env.host, inputs));
    if (spec.is_ovn()) {
      std::vector<OvnGuestPort> ports;
      std::vector<std::string> ids;
      for (const auto& g : guests)
        if (IsOn(g, spec.name)) {
          ports.push_back({g.domain, g.iface.interface_id});
          ids.push_back(g.iface.interface_id);
        }
      AddOvnFindings(statuses.back(), spec.logical_switch(), vxnet::engine::ObserveOvn(spec, ids, ctx), ports);
    }
  }
  if (!found) throw Error("network", only, "is not a vxnet network of " + libvirt.uri(), "see 'virsh net-list --all'");
  int worst = kOk;
  for (const auto& s : statuses) worst = std::max(worst, static_cast<int>(s.level));
  if (statuses.empty()) {
    for (const auto& p : problems) std::cout << "config: " << p << "\n";
    if (!problems.empty()) worst = kCritical;
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
  if (spec.is_ovn()) {
    const auto lines = vxnet::engine::PlanOvnNetwork(spec, GuestPortsOn(spec.name, libvirt.RunningGuestInterfaces()), ctx);
    if (lines.empty()) std::cout << "network " << spec.name << ": nothing to change\n";
    for (const auto& l : lines) std::cout << l << "\n";
    return 0;
  }
  const auto overlay = vxnet::net::ComputeOverlayMtu(spec, env.host);
  const auto record = vxnet::engine::ReadRunRecord(env.config.state_dir, spec.name);
  const std::optional<int> mtu = record && record->overlay_mtu ? record->overlay_mtu : overlay.mtu;
  auto client = ConnectOvsdb(env, ctx.deadline);
  const auto lines =
      vxnet::ovs::PlanOnly(client, vxnet::ovs::DesiredFromSpec(spec, mtu, overlay.own_addresses), ctx.deadline).Describe();
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
      vxnet::engine::Outcome plugged = vxnet::engine::PlugGuests(spec, GuestPortsOn(spec.name, guests), ctx);
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
  if (!text) throw Error("network file", file, "cannot be read");
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
      std::string mac = g.iface.mac;
      for (char& c : mac) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      live[mac] = g.iface.interface_id;
    }
  auto new_id = [] {
    std::ifstream in("/proc/sys/kernel/random/uuid");
    std::string id;
    std::getline(in, id);
    if (id.size() != 36) throw Error("random UUID", id, "could not be read from /proc/sys/kernel/random/uuid");
    return id;
  };
  return vxnet::PinInterfaceIds(xml, networks, live, new_id, changes);
}

int Adopt(Env& env, const std::string& domain, bool all) {
  if (all == !domain.empty()) throw Error("adopt", domain, "needs exactly one of DOMAIN or --all");
  LibvirtView libvirt(env.uri, env.config.timeout, {"vxnetctl: libvirt '" + env.uri + "' did not answer", 2, 1});
  std::map<std::string, int> mtus;
  std::set<std::string> ovn_networks;  // their guests' interfaceids get pinned
  for (const NetworkEntry& n : libvirt.Networks()) {
    if (!n.active || !n.usable()) continue;
    if (n.definition.spec->is_ovn()) ovn_networks.insert(n.name);
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
// says are not active. Anything it cannot be sure of, it leaves alone.
int Prune(Env& env) {
  LibvirtView libvirt(env.uri, env.config.timeout, {"vxnetctl: libvirt '" + env.uri + "' did not answer", 2, 1});
  if (auto why = libvirt.NotThisHostsSystemDaemon())
    throw Error("prune", libvirt.uri(), "refused: " + *why + "; only this host's own libvirtd knows which of its networks are active",
                "run 'vxnetctl prune' on the host, with the default connection (qemu:///system)");
  const vxnet::Deadline deadline = vxnet::Deadline::After(env.config.timeout);
  auto client = ConnectOvsdb(env, deadline);
  const vxnet::ovs::OvsState state = vxnet::ovs::ReadState(client, deadline);
  const vxnet::ovs::OvsIndex index(state);
  std::map<std::string, std::string> owners;  // network -> its bridge, from OVS
  for (const auto& [uuid, port] : state.ports) {
    auto it = port.external_ids.find(vxnet::kOwnerKey);
    if (it == port.external_ids.end()) continue;
    const vxnet::ovs::BridgeRow* on = index.BridgeOfPort(uuid);
    if (on && (!owners.count(it->second) || on->external_ids.count(vxnet::kOwnerKey))) owners[it->second] = on->name;
  }
  for (const auto& [uuid, bridge] : state.bridges)
    if (auto it = bridge.external_ids.find(vxnet::kOwnerKey); it != bridge.external_ids.end() && !owners.count(it->second))
      owners[it->second] = bridge.name;
  if (owners.empty()) {
    std::cout << "nothing to prune\n";
    return 0;
  }
  // A libvirt that knows no network at all, while OVS holds vxnet's, is
  // not the libvirt that made them.
  if (libvirt.Networks().empty())
    throw Error("prune", libvirt.uri(),
                "refused: libvirt lists no networks at all while OVS holds vxnet state of " + std::to_string(owners.size()) +
                    " network(s); is this the libvirtd that runs them?",
                "if those networks are really gone, remove their ports with ovs-vsctl (external_ids:vxnet-network names them)");
  int failed = 0, pruned = 0;
  for (const auto& [network, bridge] : owners) {
    const std::optional<NetworkEntry> entry = libvirt.Network(network);  // asked per owner
    if (entry && entry->active) continue;  // running, readable by this vxnet or not: never touched
    vxnet::engine::Context ctx = Ctx(env);
    const auto record = vxnet::engine::ReadRunRecord(env.config.state_dir, network);
    const vxnet::NetworkSpec* spec = entry && entry->usable() ? &*entry->definition.spec : nullptr;
    const vxnet::engine::Outcome o = vxnet::engine::StopNetwork(vxnet::engine::TargetFor(network, bridge, spec, record), ctx);
    ++pruned;
    for (const auto& c : o.changes) std::cout << network << ": " << c << "\n";
    if (o.exit_status != 0) {
      std::cerr << "vxnetctl: " << network << ": " << o.message << "\n";
      ++failed;
    }
  }
  if (pruned == 0) std::cout << "nothing to prune\n";
  return failed ? 1 : 0;
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
      std::unique_ptr<vxnet::net::HostNetwork> host = vxnet::net::MakeNetlinkHostNetwork();
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
