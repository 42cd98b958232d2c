// vxnetctl: the overlay's health and repair outside libvirt's hook calls.
// Reads the live networks through the libvirt API (fine here, unlike in the
// hook) and drives the same engine as the hook.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>

#include "ctl/status.h"
#include "hook/hook.h"
#include "ovs/reconcile.h"
#include "version.h"
#include "xml/domain_xml.h"
#include "xml/network_xml.h"

namespace {

using vxnet::Error;

void Silence(void*, virErrorPtr) {}

struct Conn {
  virConnectPtr ptr = nullptr;
  ~Conn() {
    if (ptr) virConnectClose(ptr);
  }
};

// The vxnet networks libvirt runs: their live (or, with inactive, their
// persistent) definitions.
std::vector<vxnet::NetworkSpec> ActiveNetworks(const std::string& uri, bool inactive_definition) {
  virSetErrorFunc(nullptr, Silence);
  Conn conn;
  conn.ptr = virConnectOpen(uri.c_str());
  if (!conn.ptr) {
    const char* msg = virGetLastErrorMessage();
    throw Error("libvirt", uri, std::string("cannot be reached: ") + (msg ? msg : "?"), "is libvirtd running?");
  }
  virNetworkPtr* nets = nullptr;
  const int n = virConnectListAllNetworks(conn.ptr, &nets, VIR_CONNECT_LIST_NETWORKS_ACTIVE);
  if (n < 0) throw Error("libvirt", uri, "cannot list networks");
  std::vector<vxnet::NetworkSpec> out;
  for (int i = 0; i < n; ++i) {
    char* xml = virNetworkGetXMLDesc(nets[i], inactive_definition ? VIR_NETWORK_XML_INACTIVE : 0);
    if (xml) {
      try {
        vxnet::LibvirtNetwork net = vxnet::ParseNetworkXml(xml);
        if (net.managed() && vxnet::ValidateNetwork(net).empty()) out.push_back(*net.spec);
      } catch (const Error&) {
      }
      free(xml);
    }
    virNetworkFree(nets[i]);
  }
  free(nets);
  return out;
}

std::vector<vxnet::NetworkSpec> Select(std::vector<vxnet::NetworkSpec> all, const std::string& name) {
  if (name.empty()) return all;
  for (auto& s : all)
    if (s.name == name) return {s};
  throw Error("network", name, "is not an active vxnet network", "see 'virsh net-list' and 'vxnetctl status'");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vxnetctl shows and repairs vxnet overlays (libvirt networks carrying vxnet metadata).\n"
               "status exits 0 OK, 1 WARNING, 2 CRITICAL (broken or drifted), 3 UNKNOWN.",
               "vxnetctl"};
  app.set_version_flag("--version", std::string("vxnetctl ") + vxnet::kVersion);
  std::string uri = "qemu:///system";
  app.add_option("-c,--connect", uri, "libvirt URI")->capture_default_str();
  app.require_subcommand(1);

  std::string status_net;
  bool json = false;
  CLI::App* status = app.add_subcommand("status", "Health of active vxnet networks: MTUs, tunnels, guest taps, drift");
  status->add_option("NETWORK", status_net, "Only this network");
  status->add_flag("--json", json, "Machine-readable output");

  std::string plan_net;
  CLI::App* plan = app.add_subcommand("plan", "What a reconcile would change, changing nothing");
  plan->add_option("NETWORK", plan_net, "Network")->required();

  std::string rec_net;
  bool all = false, inactive = false;
  CLI::App* reconcile = app.add_subcommand(
      "reconcile", "Re-apply active vxnet networks with the hook's engine (after OVS lost state, a manual del-port, …)");
  reconcile->add_option("NETWORK", rec_net, "Network");
  reconcile->add_flag("--all", all, "Every active vxnet network");
  reconcile->add_flag("--inactive", inactive,
                      "Apply the persistent definition (after virsh net-define of an edit) to the running network");

  std::string adopt_dom;
  bool adopt_all = false;
  CLI::App* adopt = app.add_subcommand(
      "adopt", "Give a domain's interfaces on vxnet networks <mtu size='M'/> (M: the overlay MTU) in its persistent "
               "definition, effective at its next boot");
  adopt->add_option("DOMAIN", adopt_dom, "Domain");
  adopt->add_flag("--all", adopt_all, "Every persistent domain");

  CLI::App* prune =
      app.add_subcommand("prune", "Remove what vxnet owns in OVS for networks that are no longer active");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "vxnetctl: " << vxnet::Printable(e.what(), 300) << " (see vxnetctl --help)\n";
    return 2;
  }

  vxnet::hook::Config config;
  try {
    config = vxnet::hook::LoadConfigFromEnvironment();
  } catch (const Error& e) {
    std::cerr << "vxnetctl: " << e.what() << "\n";
    return *status ? vxnet::ctl::kUnknown : 1;
  }
  std::unique_ptr<vxnet::net::HostNetwork> host;
  try {
    host = vxnet::net::MakeNetlinkHostNetwork();
  } catch (const Error& e) {
    std::cerr << "vxnetctl: " << e.what() << "\n";
    return *status ? vxnet::ctl::kUnknown : 1;
  }
  vxnet::hook::HookContext ctx{config, *host};

  if (*status) {
    try {
      std::vector<vxnet::ctl::NetworkStatus> statuses;
      const vxnet::Deadline deadline = vxnet::Deadline::After(config.timeout);
      auto client = vxnet::ovs::OvsdbClient::Connect(vxnet::ovs::Endpoint::Parse(config.ovsdb), deadline);
      const vxnet::ovs::OvsState state = vxnet::ovs::ReadState(client, deadline);
      int worst = vxnet::ctl::kOk;
      for (const auto& spec : Select(ActiveNetworks(uri, false), status_net)) {
        vxnet::net::OverlayMtu overlay;
        try {
          overlay = vxnet::net::ComputeOverlayMtu(spec, *host);
        } catch (const Error& e) {
          overlay.warnings.push_back(e.what());
        }
        statuses.push_back(vxnet::ctl::Inspect(spec, overlay, state, *host));
        worst = std::max(worst, static_cast<int>(statuses.back().level));
      }
      if (json) {
        std::cout << vxnet::ctl::FormatJson(statuses);
      } else {
        if (statuses.empty()) std::cout << "no active vxnet network\n";
        for (const auto& s : statuses) std::cout << vxnet::ctl::FormatText(s);
      }
      return worst;
    } catch (const Error& e) {
      std::cout << "UNKNOWN: " << e.what() << "\n";
      return vxnet::ctl::kUnknown;
    }
  }

  try {
    if (*plan) {
      const vxnet::NetworkSpec spec = Select(ActiveNetworks(uri, false), plan_net).front();
      const vxnet::Deadline deadline = vxnet::Deadline::After(config.timeout);
      const auto overlay = vxnet::net::ComputeOverlayMtu(spec, *host);
      auto client = vxnet::ovs::OvsdbClient::Connect(vxnet::ovs::Endpoint::Parse(config.ovsdb), deadline);
      const auto lines =
          vxnet::ovs::PlanOnly(client, vxnet::ovs::DesiredFromSpec(spec, overlay.mtu, overlay.own_addresses), deadline)
              .Describe();
      if (lines.empty()) std::cout << "network " << spec.name << ": nothing to change\n";
      for (const auto& l : lines) std::cout << l << "\n";
      return 0;
    }
    if (*reconcile) {
      if (all == !rec_net.empty()) throw Error("reconcile", rec_net, "needs exactly one of NETWORK or --all");
      int failed = 0;
      for (const auto& spec : Select(ActiveNetworks(uri, inactive), rec_net)) {
        const vxnet::hook::Outcome o = vxnet::hook::ApplyNetwork(spec, ctx);
        for (const auto& c : o.changes) std::cout << spec.name << ": " << c << "\n";
        for (const auto& w : o.warnings) std::cerr << "vxnetctl: " << spec.name << ": " << w << "\n";
        if (o.exit_status != 0) {
          std::cerr << "vxnetctl: " << spec.name << ": " << o.message << "\n";
          ++failed;
        }
      }
      return failed ? 1 : 0;
    }
    if (*adopt) {
      if (adopt_all == !adopt_dom.empty()) throw Error("adopt", adopt_dom, "needs exactly one of DOMAIN or --all");
      std::map<std::string, int> mtus;
      for (const auto& spec : ActiveNetworks(uri, false)) {
        const auto overlay = vxnet::net::ComputeOverlayMtu(spec, *host);
        if (overlay.mtu) mtus[spec.name] = *overlay.mtu;
      }
      Conn conn;
      conn.ptr = virConnectOpen(uri.c_str());
      if (!conn.ptr) throw Error("libvirt", uri, "cannot be reached", "is libvirtd running?");
      virDomainPtr* doms = nullptr;
      const int n = virConnectListAllDomains(conn.ptr, &doms, VIR_CONNECT_LIST_DOMAINS_PERSISTENT);
      if (n < 0) throw Error("libvirt", uri, "cannot list domains");
      int changed = 0, found = 0, failed = 0;
      for (int i = 0; i < n; ++i) {
        const char* name = virDomainGetName(doms[i]);
        if (adopt_all || (name && adopt_dom == name)) {
          ++found;
          // SECURE keeps passwords (VNC, …) the redefinition must not drop.
          char* xml = virDomainGetXMLDesc(doms[i], VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
          std::vector<std::string> changes;
          std::optional<std::string> updated;
          if (xml) {
            updated = vxnet::AdoptInterfaceMtus(xml, mtus, changes);
            free(xml);
          }
          if (updated) {
            virDomainPtr redefined = virDomainDefineXML(conn.ptr, updated->c_str());
            if (redefined) {
              virDomainFree(redefined);
              for (const auto& c : changes) std::cout << c << "\n";
              ++changed;
            } else {
              const char* msg = virGetLastErrorMessage();
              std::cerr << "vxnetctl: domain '" << name << "': cannot be redefined: " << (msg ? msg : "?") << "\n";
              ++failed;
            }
          }
        }
        virDomainFree(doms[i]);
      }
      free(doms);
      if (!adopt_all && found == 0)
        throw Error("domain", adopt_dom, "is not a persistent domain of " + uri, "see 'virsh list --all'");
      if (changed == 0 && failed == 0) std::cout << "nothing to change\n";
      return failed ? 1 : 0;
    }
    if (*prune) {
      std::set<std::string> active;
      for (const auto& spec : ActiveNetworks(uri, false)) active.insert(spec.name);
      const vxnet::Deadline deadline = vxnet::Deadline::After(config.timeout);
      auto client = vxnet::ovs::OvsdbClient::Connect(vxnet::ovs::Endpoint::Parse(config.ovsdb), deadline);
      const vxnet::ovs::OvsState state = vxnet::ovs::ReadState(client, deadline);
      const vxnet::ovs::OvsIndex index(state);
      std::map<std::string, std::string> orphans;  // network -> its bridge
      for (const auto& [uuid, port] : state.ports) {
        auto it = port.external_ids.find(vxnet::kOwnerKey);
        if (it == port.external_ids.end() || active.count(it->second)) continue;
        const vxnet::ovs::BridgeRow* on = index.BridgeOfPort(uuid);
        if (on && (!orphans.count(it->second) || on->external_ids.count(vxnet::kOwnerKey)))
          orphans[it->second] = on->name;
      }
      int failed = 0;
      for (const auto& [network, bridge] : orphans) {
        vxnet::NetworkSpec spec;
        spec.name = network;
        spec.bridge = bridge;
        const vxnet::hook::Outcome o = vxnet::hook::RemoveNetwork(spec, ctx);
        for (const auto& c : o.changes) std::cout << network << ": " << c << "\n";
        if (o.exit_status != 0) {
          std::cerr << "vxnetctl: " << network << ": " << o.message << "\n";
          ++failed;
        }
      }
      if (orphans.empty()) std::cout << "nothing to prune\n";
      return failed ? 1 : 0;
    }
  } catch (const Error& e) {
    std::cerr << "vxnetctl: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
