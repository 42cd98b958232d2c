#include "common/ascii.h"

namespace vxnet {

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

std::optional<std::string> NormalizeMac(std::string_view text) {
  static constexpr std::string_view kShape = "xx:xx:xx:xx:xx:xx";
  if (text.size() != kShape.size()) return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool ok = kShape[i] == ':' ? text[i] == ':' : IsAsciiHexDigit(text[i]);
    if (!ok) return std::nullopt;
  }
  return AsciiLower(text);
}

}  // namespace vxnet
