#include "xml/network_spec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <set>

#include "common/uuid.h"

namespace vxnet {

std::string_view ToString(Datapath d) {
  return d == Datapath::kNetdev ? "netdev" : "system";
}

std::string_view ToString(GuestMtuPolicy p) {
  return p == GuestMtuPolicy::kStrict ? "strict" : "warn";
}

std::optional<Datapath> ParseDatapath(std::string_view text) {
  if (text == "system") return Datapath::kSystem;
  if (text == "netdev") return Datapath::kNetdev;
  return std::nullopt;
}

std::optional<GuestMtuPolicy> ParseGuestMtuPolicy(std::string_view text) {
  if (text == "warn") return GuestMtuPolicy::kWarn;
  if (text == "strict") return GuestMtuPolicy::kStrict;
  return std::nullopt;
}

std::string_view ToString(NetworkMode m) { return m == NetworkMode::kOvn ? "ovn" : "mesh"; }

std::string_view ToString(Encap e) { return e == Encap::kVxlan ? "vxlan" : "geneve"; }

std::optional<NetworkMode> ParseNetworkMode(std::string_view text) {
  if (text == "mesh") return NetworkMode::kMesh;
  if (text == "ovn") return NetworkMode::kOvn;
  return std::nullopt;
}

std::optional<Encap> ParseEncap(std::string_view text) {
  if (text == "geneve") return Encap::kGeneve;
  if (text == "vxlan") return Encap::kVxlan;
  return std::nullopt;
}

std::optional<Error> CheckOvsdbRemotes(std::string_view what, std::string_view remotes) {
  const std::string limit = "must be tcp:IP:PORT or unix:PATH, several separated by commas";
  if (remotes.empty()) return Error(std::string(what), "", limit);
  std::size_t start = 0;
  while (start <= remotes.size()) {
    const std::size_t comma = remotes.find(',', start);
    const std::string_view one = remotes.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (one.starts_with("ssl:"))
      return Error(std::string(what), std::string(remotes), "ssl: remotes are not supported by this vxnet",
                   "use tcp: on a trusted underlay, or a local unix: relay");
    bool ok = false;
    if (one.starts_with("unix:")) {
      ok = one.size() > 5 && one.size() < 108 + 5;
    } else if (one.starts_with("tcp:")) {
      std::string_view rest = one.substr(4), host, port;
      if (rest.starts_with("[")) {
        const auto close = rest.find("]:");
        if (close != std::string_view::npos) host = rest.substr(1, close - 1), port = rest.substr(close + 2);
      } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon), port = rest.substr(colon + 1);
      }
      unsigned value = 0;
      ok = IpAddress::Parse(host).has_value() && !port.empty() && port.size() <= 5;
      for (char c : port) {
        if (c < '0' || c > '9') ok = false;
        else value = value * 10 + static_cast<unsigned>(c - '0');
      }
      ok = ok && value >= 1 && value <= 65535;
    }
    if (!ok) return Error(std::string(what), std::string(remotes), limit);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

std::optional<Error> CheckNetworkName(std::string_view name) {
  const std::string limit =
      "must be 1 to " + std::to_string(kMaxNetworkNameLen) +
      " characters of A-Z a-z 0-9 _ . - starting with a letter or digit";
  if (name.empty() || name.size() > kMaxNetworkNameLen ||
      !std::isalnum(static_cast<unsigned char>(name[0])))
    return Error("network name", std::string(name), limit);
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-')
      return Error("network name", std::string(name), limit);
  return std::nullopt;
}

// The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':'
// or whitespace. '%' is refused too: the kernel treats it as a template.
// Control and non-ASCII bytes are refused because OVS and NetworkManager
// handle them poorly and they cannot be typed safely.
std::optional<Error> CheckInterfaceName(std::string_view what, std::string_view name) {
  if (name.empty())
    return Error(std::string(what), std::string(name), "must not be empty");
  if (name.size() > kMaxIfNameLen)
    return Error(std::string(what), std::string(name),
                 "is " + std::to_string(name.size()) + " characters, the kernel allows at most " +
                     std::to_string(kMaxIfNameLen),
                 "choose a shorter name");
  if (name == "." || name == "..")
    return Error(std::string(what), std::string(name), "is not a valid interface name");
  for (unsigned char c : name)
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':' || c == '%')
      return Error(std::string(what), std::string(name),
                   "may not contain whitespace, control characters, '/', ':' or '%'");
  return std::nullopt;
}

std::optional<Error> CheckMtu(std::string_view what, long long mtu) {
  if (mtu < kMinMtu || mtu > kMaxMtu)
    return Error(std::string(what), std::to_string(mtu),
                 "must be between " + std::to_string(kMinMtu) + " and " + std::to_string(kMaxMtu));
  return std::nullopt;
}

std::optional<Error> CheckUuid(std::string_view uuid) {
  if (!IsUuid(uuid)) return Error("uuid", std::string(uuid), "must look like " + std::string(kUuidShape) + " (hex digits)");
  return std::nullopt;
}

std::uint64_t StableHash(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string TunnelName(const IpAddress& remote, std::uint32_t key, std::uint16_t dst_port,
                       const std::optional<IpAddress>& local_ip) {
  const std::string identity = remote.ToString() + "|" + std::to_string(key) + "|" + std::to_string(dst_port) +
                               "|" + (local_ip ? local_ip->ToString() : "");
  char out[16];
  std::snprintf(out, sizeof out, "vx%013llx", static_cast<unsigned long long>(StableHash(identity) & 0xfffffffffffffull));
  return out;
}

AttachVeth AttachVethNames(const NetworkSpec& spec) {
  const auto h = StableHash(spec.name + "|" + spec.attach_bridge.value_or("")) & 0xffffffffffffull;
  char ovs_end[16], bridge_end[16];
  std::snprintf(ovs_end, sizeof ovs_end, "vxa%012llx", static_cast<unsigned long long>(h));
  std::snprintf(bridge_end, sizeof bridge_end, "vxb%012llx", static_cast<unsigned long long>(h));
  return {ovs_end, bridge_end};
}

std::uint64_t ParseDecimal(std::string_view what, std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    throw Error(std::string(what), std::string(text), "is not a non-negative decimal number");
  return value;
}

std::optional<int> ParseMtuSetting(std::string_view what, std::string_view text) {
  if (text == "auto") return std::nullopt;
  const std::uint64_t v = ParseDecimal(what, text);
  if (v > static_cast<std::uint64_t>(kMaxMtu))
    throw Error(std::string(what), std::string(text),
                "must be 'auto' or between " + std::to_string(kMinMtu) + " and " + std::to_string(kMaxMtu));
  return static_cast<int>(v);
}

namespace {

std::optional<Error> CheckTunnelAddress(const std::string& what, const IpAddress& ip) {
  if (ip.IsUnspecified() || ip.IsMulticast() || ip.IsBroadcast())
    return Error(what, ip.ToString(), "must be a unicast address",
                 "give the peer host's underlay address");
  return std::nullopt;
}

// OVN mode: OVN finds the chassis and makes the tunnels, so the full mesh's
// settings have no meaning there and are refused rather than ignored.
void ValidateOvn(const NetworkSpec& spec, std::vector<Error>& errors) {
  const std::string fix = "OVN finds the other hosts and makes the tunnels itself; remove it";
  if (!spec.peers.empty())
    errors.emplace_back("peers", std::to_string(spec.peers.size()), "are not used in OVN mode", fix);
  if (spec.vni != 0) errors.emplace_back("VNI", std::to_string(spec.vni), "is chosen by OVN in OVN mode", fix);
  if (spec.dst_port != kDefaultDstPort)
    errors.emplace_back("UDP destination port", std::to_string(spec.dst_port), "is chosen by OVN in OVN mode", fix);
  if (spec.bfd) errors.emplace_back("bfd", "true", "is not used in OVN mode", fix);
  if (spec.attach_bridge)
    errors.emplace_back("attached Linux bridge", *spec.attach_bridge, "is not supported in OVN mode",
                        "use a full-mesh network for attach-bridge");
  if (!spec.ovn.nb.empty())
    if (auto e = CheckOvsdbRemotes("OVN Northbound DB", spec.ovn.nb)) errors.push_back(std::move(*e));
  if (!spec.ovn.sb.empty())
    if (auto e = CheckOvsdbRemotes("OVN Southbound DB", spec.ovn.sb)) errors.push_back(std::move(*e));
  if (!spec.ovn.logical_switch.empty()) {
    const std::string& s = spec.ovn.logical_switch;
    bool ok = s.size() <= 64;
    for (unsigned char c : s) ok = ok && (std::isalnum(c) || c == '_' || c == '.' || c == '-');
    if (!ok)
      errors.emplace_back("OVN logical switch", s, "must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
  }
}

}  // namespace

std::vector<Error> ValidateSpec(const NetworkSpec& spec) {
  std::vector<Error> errors;
  auto add = [&errors](std::optional<Error> e) {
    if (e) errors.push_back(std::move(*e));
  };

  add(CheckNetworkName(spec.name));
  if (spec.uuid) add(CheckUuid(*spec.uuid));
  add(CheckInterfaceName("bridge name", spec.bridge));
  if (spec.vni > kMaxVni)
    errors.emplace_back("VNI", std::to_string(spec.vni),
                        "must be between 0 and " + std::to_string(kMaxVni) + " (24 bits)");
  if (spec.dst_port < 1 || spec.dst_port > 65535)
    errors.emplace_back("UDP destination port", std::to_string(spec.dst_port),
                        "must be between 1 and 65535",
                        "VXLAN's IANA port is " + std::to_string(kDefaultDstPort));

  if (spec.is_ovn()) {
    ValidateOvn(spec, errors);
  } else if (spec.peers.empty()) {
    errors.emplace_back("peers", "", "at least one peer is required", "add --peer IP");
  }
  if (spec.peers.size() > kMaxPeers)
    errors.emplace_back("peers", std::to_string(spec.peers.size()),
                        "at most " + std::to_string(kMaxPeers) + " peers are supported");
  std::set<IpAddress> seen;
  for (std::size_t i = 0; i < spec.peers.size(); ++i) {
    const IpAddress& peer = spec.peers[i];
    const std::string what = "peer " + std::to_string(i + 1);
    add(CheckTunnelAddress(what, peer));
    if (!seen.insert(peer).second)
      errors.emplace_back(what, peer.ToString(), "is listed twice; peers must be unique",
                          "remove the duplicate");
    if (spec.local_ip && *spec.local_ip == peer)
      errors.emplace_back(what, peer.ToString(), "equals the local tunnel IP",
                          "a host is never its own peer");
    else if (spec.local_ip && spec.local_ip->family() != peer.family())
      errors.emplace_back(what, peer.ToString(),
                          "is not of the local tunnel IP's family (" + spec.local_ip->ToString() + ")",
                          "use peers of one family when a local IP is set");
  }
  if (spec.local_ip) add(CheckTunnelAddress("local tunnel IP", *spec.local_ip));

  if (spec.mtu) add(CheckMtu("MTU", *spec.mtu));
  if (spec.address) {
    const IpAddress& a = spec.address->address;
    if (a.IsUnspecified() || a.IsMulticast() || a.IsBroadcast())
      errors.emplace_back("host overlay address", spec.address->ToString(),
                          "must be a unicast host address");
    if (spec.address->prefix_length == 0)
      errors.emplace_back("host overlay address", spec.address->ToString(),
                          "prefix length must be at least 1");
  }
  if (spec.attach_bridge) {
    add(CheckInterfaceName("attached Linux bridge", *spec.attach_bridge));
    if (*spec.attach_bridge == spec.bridge)
      errors.emplace_back("attached Linux bridge", *spec.attach_bridge,
                          "is the OVS bridge itself", "name a separate Linux bridge such as docker0");
  }
  return errors;
}

}  // namespace vxnet
