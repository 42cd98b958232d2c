#include "common/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace vxnet {

namespace {

// ::ffff:0:0/96, the IPv4-mapped IPv6 addresses.
bool IsIpv4Mapped(const std::array<std::uint8_t, 16>& b) {
  for (std::size_t i = 0; i < 10; ++i)
    if (b[i] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; 45 covers the longest IPv6 text.
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes_.data()) == 1) {
    ip.family_ = Family::V4;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes_.data()) == 1) {
    ip.family_ = Family::V6;
    if (IsIpv4Mapped(ip.bytes_)) {
      // ::ffff:a.b.c.d is a.b.c.d (RFC 4291 2.5.5.2): taken for IPv6 it would
      // look up an IPv6 route, give OVS an IPv6 remote_ip and escape the
      // duplicate checks that compare it with the IPv4 form.
      std::copy(ip.bytes_.begin() + 12, ip.bytes_.end(), ip.bytes_.begin());
      std::fill(ip.bytes_.begin() + 4, ip.bytes_.end(), std::uint8_t{0});
      ip.family_ = Family::V4;
    }
    return ip;
  }
  return std::nullopt;
}

bool IpAddress::IsUnspecified() const {
  const std::size_t n = is_v4() ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i)
    if (bytes_[i] != 0) return false;
  return true;
}

bool IpAddress::IsMulticast() const {
  return is_v4() ? (bytes_[0] & 0xf0) == 0xe0 : bytes_[0] == 0xff;
}

bool IpAddress::IsBroadcast() const {
  return is_v4() && bytes_[0] == 255 && bytes_[1] == 255 && bytes_[2] == 255 &&
         bytes_[3] == 255;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  const std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3) return std::nullopt;
  int len = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || end != len_text.data() + len_text.size()) return std::nullopt;
  // Parse made a mapped address IPv4; its prefix still counts the IPv6
  // form's 96 leading bits, and one shorter than that is no IPv4 prefix.
  if (address->is_v4() && text.substr(0, slash).find(':') != std::string_view::npos) {
    if (len < 96) return std::nullopt;
    len -= 96;
  }
  Cidr cidr{*address, len};
  if (len < 0 || len > cidr.max_prefix_length()) return std::nullopt;
  return cidr;
}

std::string Cidr::ToString() const {
  return address.ToString() + "/" + std::to_string(prefix_length);
}

}  // namespace vxnet
