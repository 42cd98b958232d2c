#pragma once
// NetworkSpec: everything vxnet needs to know about one overlay network.
// It is stored in the libvirt network XML itself (see network_xml.h), so the
// XML is the single source of truth; this file holds the model and the rules
// that libvirt's schema and parser cannot express ("the third layer").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/ip_address.h"

namespace vxnet {

enum class Datapath { kSystem, kNetdev };
enum class GuestMtuPolicy { kWarn, kStrict };
// How the overlay is built: a static full mesh of VXLAN tunnels the hook
// makes, or OVN (the chassis joins a Southbound DB, the network is a
// Logical_Switch in the Northbound DB, ovn-controller makes the tunnels).
enum class NetworkMode { kMesh, kOvn };
// OVN's tunnel encapsulation between chassis.
enum class Encap { kGeneve, kVxlan };

std::string_view ToString(Datapath d);
std::string_view ToString(GuestMtuPolicy p);
std::string_view ToString(NetworkMode m);
std::string_view ToString(Encap e);
std::optional<Datapath> ParseDatapath(std::string_view text);
std::optional<GuestMtuPolicy> ParseGuestMtuPolicy(std::string_view text);
std::optional<NetworkMode> ParseNetworkMode(std::string_view text);
std::optional<Encap> ParseEncap(std::string_view text);

inline constexpr std::uint32_t kMaxVni = 16777215;  // 24 bits
inline constexpr std::uint32_t kDefaultDstPort = 4789;  // IANA VXLAN
inline constexpr int kMinMtu = 68;     // smallest IPv4 link MTU (RFC 791)
inline constexpr int kMaxMtu = 65535;  // largest MTU OVS and Linux accept
inline constexpr std::size_t kMaxIfNameLen = 15;  // IFNAMSIZ - 1
inline constexpr std::size_t kMaxNetworkNameLen = 64;
inline constexpr std::size_t kMaxPeers = 1024;
inline constexpr const char* kOvnDefaultBridge = "br-int";  // ovn-controller's integration bridge

// The OVN settings of a network in OVN mode. Empty database URLs come from
// vxnet.conf (ovn_nb, ovn_sb), so every host can share one network XML.
struct OvnSettings {
  std::string nb;  // Northbound DB: "tcp:IP:PORT" or "unix:PATH", comma-separated for a cluster
  std::string sb;  // Southbound DB, the same forms (what ovn-controller connects to)
  Encap encap = Encap::kGeneve;
  std::string logical_switch;  // empty: the network's name

  bool operator==(const OvnSettings&) const = default;
};

struct NetworkSpec {
  std::string name = "vxnet0";
  std::optional<std::string> uuid;  // libvirt assigns one at net-define
  std::string bridge = "ovs-sw0";
  Datapath datapath = Datapath::kSystem;
  // Held wider than their ranges so that an out-of-range value given by a
  // user survives until validation can name it (VNI 16777216, port 70000).
  std::uint64_t vni = 0;
  std::uint64_t dst_port = kDefaultDstPort;
  std::vector<IpAddress> peers;
  std::optional<IpAddress> local_ip;
  std::optional<int> mtu;  // nullopt: "auto", derived from the underlay
  std::optional<Cidr> address;  // host's overlay address on the bridge
  std::optional<std::string> attach_bridge;  // Linux bridge joined by veth
  GuestMtuPolicy guest_mtu_policy = GuestMtuPolicy::kWarn;
  bool bfd = false;  // BFD on every tunnel: a dead peer shows in seconds
  NetworkMode mode = NetworkMode::kMesh;
  OvnSettings ovn;  // kOvn only; local_ip is then the chassis' encap IP

  bool operator==(const NetworkSpec&) const = default;

  bool is_ovn() const { return mode == NetworkMode::kOvn; }
  // The Logical_Switch of an OVN-mode network.
  const std::string& logical_switch() const { return ovn.logical_switch.empty() ? name : ovn.logical_switch; }
};

// external_ids keys on the OVS rows of a vxnet network, wherever they are
// made (the hook, or host files such as ifcfg): the owning network, and on
// tunnels the peer, for humans reading OVSDB.
inline constexpr const char* kOwnerKey = "vxnet-network";
inline constexpr const char* kPeerKey = "vxnet-peer";

// The name of the tunnel port (and interface) towards `remote`, the same for
// the hook and for host files (ifcfg) that make it: deterministic, a valid
// interface name (15 characters: "vx" + 13 hex digits) and unique on a host,
// since it hashes exactly what OVS itself refuses to duplicate.
std::string TunnelName(const IpAddress& remote, std::uint32_t key, std::uint16_t dst_port,
                       const std::optional<IpAddress>& local_ip);

// The veth pair joining the Linux bridge `attach_bridge` to the overlay:
// the end plugged into OVS and the end enslaved to the Linux bridge.
struct AttachVeth {
  std::string ovs_end, bridge_end;
};
AttachVeth AttachVethNames(const NetworkSpec& spec);

// A stable hash for names derived from user input (FNV-1a, 64 bits).
std::uint64_t StableHash(std::string_view text);

// The vxnet rules; returns every problem found, most fundamental first.
std::vector<Error> ValidateSpec(const NetworkSpec& spec);

// Single-value rules, shared with the command-line front ends.
std::optional<Error> CheckNetworkName(std::string_view name);
std::optional<Error> CheckInterfaceName(std::string_view what, std::string_view name);
std::optional<Error> CheckMtu(std::string_view what, long long mtu);
std::optional<Error> CheckUuid(std::string_view uuid);
// An OVSDB remote as OVN's tools write it: comma-separated "tcp:IP:PORT" or
// "unix:PATH" (ssl: is not supported yet).
std::optional<Error> CheckOvsdbRemotes(std::string_view what, std::string_view remotes);

// Strict decimal parsing shared by the XML reader and the command line:
// digits only, no sign, no overflow. Throws Error naming `what`.
std::uint64_t ParseDecimal(std::string_view what, std::string_view text);
// "auto" (nullopt) or a decimal MTU; range is CheckMtu's job.
std::optional<int> ParseMtuSetting(std::string_view what, std::string_view text);

}  // namespace vxnet
