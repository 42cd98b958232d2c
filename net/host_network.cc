#include "net/host_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace vxnet::net {

std::vector<std::optional<int>> HostNetwork::PathMtus(const std::vector<IpAddress>& peers) {
  std::vector<std::optional<int>> out;
  out.reserve(peers.size());
  for (const IpAddress& peer : peers) out.push_back(PathMtu(peer));
  return out;
}

// connect(2) on a UDP socket only consults the routing table and fixes the
// source address; nothing is sent.
std::optional<IpAddress> HostNetwork::SourceAddress(const IpAddress& peer) {
  const bool v4 = peer.is_v4();
  const int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (v4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    in->sin_family = AF_INET;
    in->sin_port = htons(9);
    std::memcpy(&in->sin_addr, peer.bytes().data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* in = reinterpret_cast<sockaddr_in6*>(&addr);
    in->sin6_family = AF_INET6;
    in->sin6_port = htons(9);
    std::memcpy(&in->sin6_addr, peer.bytes().data(), 16);
    len = sizeof(sockaddr_in6);
  }
  std::optional<IpAddress> out;
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* src = v4 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&local)->sin_addr)
                         : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr);
    if (inet_ntop(v4 ? AF_INET : AF_INET6, src, text, sizeof text)) out = IpAddress::Parse(text);
  }
  close(fd);
  return out;
}

}  // namespace vxnet::net
