#pragma once
// Locale-free text helpers. What vxnet compares (MACs, UUIDs, config keys,
// OVSDB names) is ASCII by definition, and std::tolower depends on the
// process locale: libvirt runs the hook with LC_ALL=C, vxnetctl runs with
// the user's.
#include <optional>
#include <string>
#include <string_view>

namespace vxnet {

constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string AsciiLower(std::string_view text);
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);

constexpr bool IsAsciiHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A MAC address as libvirt writes it (six pairs of hex digits separated by
// ':', either case), in lower case as libvirt formats it and OVS stores it
// in external_ids:attached-mac; nullopt for anything else.
std::optional<std::string> NormalizeMac(std::string_view text);

}  // namespace vxnet
