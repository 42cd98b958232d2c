#pragma once
// IPv4/IPv6 addresses and CIDR prefixes, parsed strictly (inet_pton rules,
// no shorthand such as "10.1") and printed canonically, so that "::01" and
// "::1" compare equal and format the same. An IPv4-mapped IPv6 address
// ("::ffff:198.18.0.2") is parsed as the IPv4 address it maps, everywhere:
// peers, own addresses, OVSDB's remote_ip, duplicate checks, route lookups.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vxnet {

class IpAddress {
 public:
  enum class Family : std::uint8_t { V4 = 4, V6 = 6 };

  static std::optional<IpAddress> Parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::V4; }
  // Network-order bytes; only the first 4 are used for IPv4.
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }

  bool IsUnspecified() const;  // 0.0.0.0, ::
  bool IsMulticast() const;    // 224/4, ff00::/8
  bool IsBroadcast() const;    // 255.255.255.255
  std::string ToString() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family family_ = Family::V4;
  std::array<std::uint8_t, 16> bytes_{};
};

struct Cidr {
  IpAddress address;
  int prefix_length = 0;

  // "10.100.0.1/16", "fd00::1/64". The prefix is required.
  static std::optional<Cidr> Parse(std::string_view text);
  std::string ToString() const;
  int max_prefix_length() const { return address.is_v4() ? 32 : 128; }

  auto operator<=>(const Cidr&) const = default;
};

}  // namespace vxnet
