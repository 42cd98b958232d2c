#include "ovs/endpoint.h"

#include <sys/un.h>

#include "common/error.h"
#include "common/ip_address.h"

namespace vxnet::ovs {

Endpoint Endpoint::Parse(std::string_view text) {
  const std::string forms = "must be unix:PATH or tcp:IP:PORT";
  Endpoint e;
  e.text = std::string(text);
  if (text.starts_with("unix:")) {
    e.kind = Kind::kUnix;
    e.path = std::string(text.substr(5));
    if (e.path.empty()) throw Error("OVSDB endpoint", e.text, forms);
    if (e.path.size() >= sizeof(sockaddr_un{}.sun_path))
      throw Error("OVSDB endpoint", e.text,
                  "socket path is longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
    return e;
  }
  if (text.starts_with("tcp:")) {
    std::string_view rest = text.substr(4);
    std::string_view host, port;
    if (rest.starts_with("[")) {
      const auto close = rest.find("]:");
      if (close == std::string_view::npos) throw Error("OVSDB endpoint", e.text, forms);
      host = rest.substr(1, close - 1);
      port = rest.substr(close + 2);
    } else {
      const auto colon = rest.rfind(':');
      if (colon == std::string_view::npos) throw Error("OVSDB endpoint", e.text, forms);
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (!IpAddress::Parse(host)) throw Error("OVSDB endpoint", e.text, "host must be an IP address");
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) throw Error("OVSDB endpoint", e.text, "port must be 1..65535");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (port.empty() || value < 1 || value > 65535) throw Error("OVSDB endpoint", e.text, "port must be 1..65535");
    e.kind = Kind::kTcp;
    e.host = std::string(host);
    e.port = static_cast<std::uint16_t>(value);
    return e;
  }
  throw Error("OVSDB endpoint", e.text, forms);
}

}  // namespace vxnet::ovs
