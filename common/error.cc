#include "common/error.h"

#include <cstdio>

namespace vxnet {

namespace {
std::string Compose(const std::string& object, const std::string& value,
                    const std::string& limit, const std::string& fix) {
  std::string msg = object;
  if (!value.empty()) msg += " '" + Printable(value) + "'";
  msg += ": " + limit;
  if (!fix.empty()) msg += "; " + fix;
  return msg;
}
}  // namespace

Error::Error(std::string object, std::string value, std::string limit,
             std::string fix)
    : std::runtime_error(Compose(object, value, limit, fix)),
      object_(std::move(object)),
      value_(std::move(value)),
      limit_(std::move(limit)),
      fix_(std::move(fix)) {}

Error::Error(PlainTag, std::string message)
    : std::runtime_error(Printable(message, 400)) {}

Error Error::Plain(std::string message) {
  return Error(PlainTag{}, std::move(message));
}

std::string Printable(std::string_view text, std::size_t max_len) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  // Trailing whitespace from folded newlines says nothing.
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace vxnet
