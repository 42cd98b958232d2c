#pragma once
// OVSDB endpoints in the syntax of OVS's own tools: "unix:PATH",
// "tcp:IP:PORT" (IPv6 as "tcp:[ADDR]:PORT").
#include <cstdint>
#include <string>
#include <string_view>

namespace vxnet::ovs {

inline constexpr const char* kDefaultEndpoint = "unix:/run/openvswitch/db.sock";

struct Endpoint {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix
  std::string host;  // kTcp, an IP address
  std::uint16_t port = 0;
  std::string text;  // as given, for messages

  // Throws Error naming the value and the accepted forms.
  static Endpoint Parse(std::string_view text);
};

}  // namespace vxnet::ovs
