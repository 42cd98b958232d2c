#include "common/uuid.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/ascii.h"
#include "common/error.h"

namespace vxnet {

bool IsUuid(std::string_view text) {
  if (text.size() != kUuidShape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool ok = kUuidShape[i] == '-' ? text[i] == '-' : IsAsciiHexDigit(text[i]);
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> NormalizeUuid(std::string_view text) {
  if (!IsUuid(text)) return std::nullopt;
  return AsciiLower(text);
}

std::string RandomUuid() {
  unsigned char b[16];
  std::size_t got = 0;
  int err = 0;
  while (got < sizeof b) {
    const ssize_t n = getrandom(b + got, sizeof b - got, GRND_NONBLOCK);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  if (got < sizeof b) {
    // EAGAIN: the pool is not initialised yet; the kernel's own UUID file
    // never blocks.
    std::ifstream in("/proc/sys/kernel/random/uuid");
    std::string id;
    std::getline(in, id);
    if (const std::optional<std::string> uuid = NormalizeUuid(id)) return *uuid;
    throw Error("random UUID", "", std::string("cannot be made: getrandom: ") + std::strerror(err) +
                                       ", and /proc/sys/kernel/random/uuid gave none");
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

}  // namespace vxnet
