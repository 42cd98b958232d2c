// vxnet-gen: writes and checks vxnet's libvirt network XML.
// Flags map onto gen/generator.h; nothing else happens here.
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/atomic_file.h"
#include "gen/generator.h"
#include "gen/host_artifacts.h"
#include "net/host_network.h"
#include "xml/network_xml.h"
#include "version.h"
#include "xml/xml_doc.h"

namespace {

using vxnet::Error;

constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;

// Writes `text` to `path`: a regular file is replaced atomically
// (common/atomic_file.h, with `mode`), so a failure leaves the old one;
// anything else that exists (/dev/null, /dev/stdout, a FIFO) is written
// into, never replaced.
void WriteOutput(const std::string& path, const std::string& text, mode_t mode = 0644) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    return;
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    std::ofstream out(path, std::ios::out);
    out << text;
    out.flush();
    if (!out) throw Error("output", path, "cannot be written");
    return;
  }
  vxnet::WriteFileAtomically(path, text, mode, "output file", "check the directory exists and is writable");
}

// An oversized input is refused by the parser, by name.
std::string ReadInput(const std::string& path) {
  if (path != "-") {
    std::optional<std::string> text = vxnet::ReadXmlFile(path);
    if (!text) throw Error("input file", path, "does not exist");
    return *text;
  }
  std::string text(vxnet::kMaxXmlBytes + 1, '\0');
  std::cin.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(std::cin.gcount()));
  return text;
}

struct NetworkOptions {
  std::vector<std::string> peers;
  std::string name = "vxnet0", bridge, vni = "0", dst_port = "4789";
  std::string local_ip, mtu = "auto", datapath = "system", address, attach_bridge;
  std::string guest_mtu_policy = "warn", uuid, uuid_from, output;
  bool bfd = false;
  // OVN mode (any of these implies it)
  std::string mode, ovn_nb, ovn_sb, encap, logical_switch;

  bool ovn() const { return mode == "ovn" || !ovn_nb.empty() || !ovn_sb.empty() || !encap.empty() || !logical_switch.empty(); }
};

vxnet::NetworkSpec ToSpec(const NetworkOptions& o) {
  vxnet::NetworkSpec spec;
  spec.name = o.name;
  if (!o.mode.empty() && !vxnet::ParseNetworkMode(o.mode)) throw Error("mode", o.mode, "must be 'mesh' or 'ovn'");
  if (o.mode == "mesh" && o.ovn())
    throw Error("mode", o.mode, "contradicts the OVN options given (--ovn-nb, --ovn-sb, --encap, --switch)");
  if (o.ovn()) {
    spec.mode = vxnet::NetworkMode::kOvn;
    spec.ovn.nb = o.ovn_nb;
    spec.ovn.sb = o.ovn_sb;
    spec.ovn.logical_switch = o.logical_switch;
    if (!o.encap.empty()) {
      auto encap = vxnet::ParseEncap(o.encap);
      if (!encap) throw Error("encap", o.encap, "must be 'geneve' or 'vxlan'");
      spec.ovn.encap = *encap;
    }
  }
  spec.bridge = !o.bridge.empty() ? o.bridge : o.ovn() ? vxnet::kOvnDefaultBridge : "ovs-sw0";
  spec.vni = vxnet::ParseDecimal("VNI", o.vni);
  spec.dst_port = vxnet::ParseDecimal("UDP destination port", o.dst_port);
  for (std::size_t i = 0; i < o.peers.size(); ++i) {
    auto ip = vxnet::IpAddress::Parse(o.peers[i]);
    if (!ip) throw Error("peer " + std::to_string(i + 1), o.peers[i], "is not an IPv4 or IPv6 address");
    spec.peers.push_back(*ip);
  }
  if (!o.local_ip.empty()) {
    spec.local_ip = vxnet::IpAddress::Parse(o.local_ip);
    if (!spec.local_ip) throw Error("local tunnel IP", o.local_ip, "is not an IPv4 or IPv6 address");
  }
  spec.mtu = vxnet::ParseMtuSetting("MTU", o.mtu);
  auto datapath = vxnet::ParseDatapath(o.datapath);
  if (!datapath) throw Error("datapath", o.datapath, "must be 'system' or 'netdev'");
  spec.datapath = *datapath;
  if (!o.address.empty()) {
    spec.address = vxnet::Cidr::Parse(o.address);
    if (!spec.address)
      throw Error("host overlay address", o.address, "is not an address in CIDR form", "write e.g. 10.100.0.1/16");
  }
  if (!o.attach_bridge.empty()) spec.attach_bridge = o.attach_bridge;
  auto policy = vxnet::ParseGuestMtuPolicy(o.guest_mtu_policy);
  if (!policy) throw Error("guest MTU policy", o.guest_mtu_policy, "must be 'warn' or 'strict'");
  spec.guest_mtu_policy = *policy;
  spec.bfd = o.bfd;
  if (!o.uuid_from.empty()) {
    if (!o.uuid.empty()) throw Error("--uuid-from", o.uuid_from, "cannot be combined with --uuid");
    spec.uuid = vxnet::gen::UuidFrom(o.uuid_from);
  } else if (o.uuid == "auto") {
    spec.uuid = vxnet::gen::RandomUuid();
  } else if (!o.uuid.empty()) {
    spec.uuid = o.uuid;
  }
  return spec;
}

void AddNetworkOptions(CLI::App* app, NetworkOptions& net) {
  app->add_option("--peer", net.peers, "Underlay IP of a peer host (repeat per peer; IPv4 or IPv6); full-mesh mode");
  app->add_option("--name", net.name, "libvirt network name")->capture_default_str();
  app->add_option("--bridge", net.bridge, "Open vSwitch bridge, at most 15 characters (default: ovs-sw0; br-int in OVN mode)");
  app->add_option("--mode", net.mode, "mesh (default: VXLAN tunnels to each --peer) or ovn (OVN finds the hosts)");
  app->add_option("--ovn-nb", net.ovn_nb, "OVN mode: Northbound DB, tcp:IP:PORT (default: ovn_nb in vxnet.conf)");
  app->add_option("--ovn-sb", net.ovn_sb, "OVN mode: Southbound DB, tcp:IP:PORT (default: ovn_sb in vxnet.conf)");
  app->add_option("--encap", net.encap, "OVN mode: tunnel encapsulation between hosts, geneve (default) or vxlan");
  app->add_option("--switch", net.logical_switch, "OVN mode: logical switch name (default: the network name)");
  app->add_option("--vni", net.vni, "VXLAN network identifier, 0..16777215")->capture_default_str();
  app->add_option("--dst-port", net.dst_port, "VXLAN UDP destination port")->capture_default_str();
  app->add_option("--local-ip", net.local_ip, "Local tunnel source IP, in OVN mode the chassis' encap IP (default: chosen by routing)");
  app->add_option("--mtu", net.mtu, "Overlay MTU: 'auto' (underlay path MTU minus VXLAN overhead) or N")
      ->capture_default_str();
  app->add_option("--datapath", net.datapath, "OVS datapath type: system (kernel) or netdev (userspace)")
      ->capture_default_str();
  app->add_option("--address", net.address, "Host overlay address for the bridge, CIDR (e.g. 10.100.0.1/16)");
  app->add_option("--attach-bridge", net.attach_bridge, "Linux bridge to join to the overlay (e.g. docker0)");
  app->add_option("--guest-mtu-policy", net.guest_mtu_policy,
                  "Guests declaring no MTU on a sub-1500 overlay: warn or strict (refuse)")
      ->capture_default_str();
  app->add_flag("--bfd", net.bfd, "BFD on every tunnel, so a dead peer shows in 'vxnetctl status' within seconds");
}

// The network for `host`: from --from FILE (a valid vxnet network) or flags.
vxnet::NetworkSpec HostSpec(const std::string& from, const NetworkOptions& net) {
  if (from.empty()) {
    if (net.peers.empty() && !net.ovn()) throw Error("host", "", "needs the network: --from FILE or --peer IP …");
    vxnet::NetworkSpec spec = ToSpec(net);
    if (auto errors = vxnet::ValidateSpec(spec); !errors.empty()) throw errors.front();
    return spec;
  }
  vxnet::LibvirtNetwork parsed = vxnet::ParseNetworkXml(ReadInput(from));
  if (!parsed.managed()) throw Error("network file", from, vxnet::UnmanagedReason(parsed));
  if (auto errors = vxnet::ValidateNetwork(parsed); !errors.empty()) throw errors.front();
  return *parsed.spec;
}

// The addresses whose peers the host files leave out: those given, else
// this host's own (read through rtnetlink, as the hook reads them).
std::vector<vxnet::IpAddress> OwnAddresses(const std::vector<std::string>& given, vxnet::gen::HostFormat format) {
  std::vector<vxnet::IpAddress> out;
  for (std::size_t i = 0; i < given.size(); ++i) {
    auto ip = vxnet::IpAddress::Parse(given[i]);
    if (!ip) throw Error("own address " + std::to_string(i + 1), given[i], "is not an IPv4 or IPv6 address");
    out.push_back(*ip);
  }
  if (!given.empty() || format == vxnet::gen::HostFormat::kNetworkManager) return out;
  try {
    return vxnet::net::MakeNetlinkHostNetwork()->LocalAddresses();
  } catch (const Error& e) {
    throw Error("this host's addresses", "", std::string("cannot be read (") + e.what() + ")",
                "name the target host's addresses with --own-address");
  }
}

// Host files describe a full mesh's bridge and tunnels; in OVN mode
// ovn-controller makes both, so there is nothing for them to say.
vxnet::NetworkSpec MeshOnly(vxnet::NetworkSpec spec) {
  if (spec.is_ovn())
    throw Error("network '" + spec.name + "' mode", "ovn",
                "has no host files: ovn-controller makes the integration bridge and the tunnels",
                "admit the encapsulation between the hosts (Geneve UDP 6081, VXLAN UDP 4789) in the host's firewall");
  return spec;
}

// Prints the files (each after a "# FILE" line), or writes them into dir.
void EmitHostFiles(const std::vector<vxnet::gen::HostFile>& files, const std::string& dir) {
  for (const auto& file : files) {
    if (dir.empty()) {
      std::cout << "# ==> " << file.name << " <==\n" << file.content;
      continue;
    }
    const std::string path = dir + "/" + file.name;
    WriteOutput(path, file.content, file.mode);
  }
}

}  // namespace

namespace {

// The whole run; main() adds what no exception and no closed pipe escapes.
int Run(int argc, char** argv) {
  CLI::App app{
      "vxnet-gen writes and checks libvirt network definitions for VXLAN overlays on Open vSwitch.\n"
      "Exit status: 0 success, 1 invalid input, 2 usage error, 3 (check) a network vxnet does not manage.",
      "vxnet-gen"};
  app.set_version_flag("--version", std::string("vxnet-gen ") + vxnet::kVersion);
  app.require_subcommand(1);

  NetworkOptions net;
  CLI::App* network = app.add_subcommand("network", "Print the libvirt network XML of a vxnet overlay");
  AddNetworkOptions(network, net);
  network->add_flag("--uuid{auto}", net.uuid, "Include a <uuid>: random with --uuid, or --uuid=UUID");
  network->add_option("--uuid-from", net.uuid_from,
                      "Keep the <uuid> of an existing definition: a network XML FILE, or the libvirt network of that name "
                      "(so 'virsh net-define' redefines it)");
  network->add_option("-o,--output", net.output, "Write to FILE instead of stdout (atomically)");

  NetworkOptions host_net;
  std::string host_format, host_from, host_dir;
  std::vector<std::string> host_own;
  CLI::App* host = app.add_subcommand(
      "host", "Print the host files for a vxnet network: NetworkManager keyfiles (nm), network-scripts (ifcfg), "
              "or firewall rules admitting VXLAN only from the peers (nftables, firewalld)");
  host->add_option("--format", host_format, "nm, ifcfg, nftables or firewalld")->required();
  CLI::Option* from = host->add_option("--from", host_from, "Take the network from this network XML file");
  AddNetworkOptions(host, host_net);
  host->add_option("--output-dir", host_dir, "Write each file into DIR (atomically) instead of printing them");
  host->add_option("--own-address", host_own,
                   "The target host's own underlay address (repeat): peers among them get no tunnel or rule, as "
                   "the hook skips them. Default: this host's addresses");
  from->excludes(host->get_option("--peer"));

  std::string iface_network = "vxnet0", iface_mtu;
  CLI::App* iface = app.add_subcommand(
      "interface", "Print the domain <interface> that gives a guest the overlay MTU (virtio host_mtu)");
  iface->add_option("--network", iface_network, "libvirt network name")->capture_default_str();
  iface->add_option("--mtu", iface_mtu, "Guest MTU, normally the overlay MTU")->required();

  std::string check_file, schema = vxnet::kLibvirtNetworkSchema;
  bool no_libvirt = false;
  CLI::App* check = app.add_subcommand(
      "check", "Validate a network XML: libvirt's schema, libvirt's parser and vxnet's rules");
  check->add_option("FILE", check_file, "Network XML file, or - for stdin")->required();
  check->add_option("--schema", schema, "libvirt's network.rng")->capture_default_str();
  check->add_flag("--no-libvirt", no_libvirt, "Skip the libvirt parser layer");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "vxnet-gen: " << vxnet::Printable(e.what(), 300) << " (see vxnet-gen --help)\n";
    return kExitUsage;
  }

  if (*network && net.peers.empty() && !net.ovn()) {
    std::cerr << "vxnet-gen: --peer is required (or --mode ovn, where OVN finds the hosts; see vxnet-gen network --help)\n";
    return kExitUsage;
  }
  try {
    if (*network) {
      WriteOutput(net.output, vxnet::gen::GenerateNetwork(ToSpec(net)));
    } else if (*host) {
      auto format = vxnet::gen::ParseHostFormat(host_format);
      if (!format) throw Error("host format", host_format, "must be nm, ifcfg, nftables or firewalld");
      const vxnet::NetworkSpec spec = MeshOnly(HostSpec(host_from, host_net));
      EmitHostFiles(vxnet::gen::HostArtifacts(spec, *format, OwnAddresses(host_own, *format)), host_dir);
    } else if (*iface) {
      const long long mtu = static_cast<long long>(
          std::min<std::uint64_t>(vxnet::ParseDecimal("guest MTU", iface_mtu), 1u << 30));
      std::cout << vxnet::gen::GenerateInterface(iface_network, mtu, vxnet::gen::DefaultTemplateDir());
    } else if (*check) {
      auto result = vxnet::gen::CheckNetwork(ReadInput(check_file), schema, !no_libvirt);
      (result.status == vxnet::gen::CheckResult::kValid ? std::cout : std::cerr)
          << (result.status == vxnet::gen::CheckResult::kValid ? "" : "vxnet-gen: ") << result.line << "\n";
      return result.status;
    }
  } catch (const Error& e) {
    std::cerr << "vxnet-gen: " << e.what() << "\n";
    return kExitInvalid;
  } catch (const std::exception& e) {
    std::cerr << "vxnet-gen: internal error: " << vxnet::Printable(e.what(), 300) << " (please report it)\n";
    return kExitInvalid;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // `vxnet-gen network ... | head -1`: a reader that goes away ends the run
  // quietly with its own exit status, not by SIGPIPE (141); writes then fail
  // with EPIPE, checked once, below.
  std::signal(SIGPIPE, SIG_IGN);
  int exit_status = kExitInvalid;
  try {
    exit_status = Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "vxnet-gen: internal error: " << vxnet::Printable(e.what(), 300) << " (please report it)\n";
  } catch (...) {
    // Whatever escapes (also from parsing flags): one line and 1, never an
    // abort with a core dump.
    std::cerr << "vxnet-gen: internal error (please report it)\n";
  }
  if (std::cout.flush()) return exit_status;
  // A closed pipe shows as POLLERR on its write end: the reader has all it
  // wanted. Anything else (a full disk) lost output the user asked for.
  pollfd out{STDOUT_FILENO, POLLOUT, 0};
  if (poll(&out, 1, 0) == 1 && (out.revents & POLLERR)) return exit_status;
  std::cerr << "vxnet-gen: standard output could not be written\n";
  return exit_status == 0 ? kExitInvalid : exit_status;
}
