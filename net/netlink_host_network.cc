// rtnetlink through libnl-route-3. Netlink requests to the local kernel
// answer at once; nothing here waits on anything remote.
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

#include "common/error.h"
#include "net/host_network.h"

namespace vxnet::net {

namespace {

struct SockFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct LinkFree {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrFree {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrFree {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct CacheFree {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
struct MsgFree {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

using Sock = std::unique_ptr<nl_sock, SockFree>;

Sock Connect() {
  Sock sock(nl_socket_alloc());
  if (!sock) throw Error::Plain("netlink: out of memory");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
    throw Error("netlink route socket", "NETLINK_ROUTE", std::string("cannot be opened: ") + nl_geterror(err));
  return sock;
}

std::unique_ptr<nl_addr, NlAddrFree> ToNlAddr(const IpAddress& ip, int prefix) {
  const bool v4 = ip.is_v4();
  std::unique_ptr<nl_addr, NlAddrFree> a(nl_addr_build(v4 ? AF_INET : AF_INET6, ip.bytes().data(), v4 ? 4 : 16));
  if (!a) throw Error::Plain("netlink: out of memory");
  nl_addr_set_prefixlen(a.get(), prefix);
  return a;
}

struct RouteAnswer {
  bool found = false;
  std::uint32_t mtu_metric = 0;
  int ifindex = 0;
};

int OnRoute(nl_msg* msg, void* arg) {
  auto* answer = static_cast<RouteAnswer*>(arg);
  rtnl_route* route = nullptr;
  if (rtnl_route_parse(nlmsg_hdr(msg), &route) < 0 || !route) return NL_SKIP;
  answer->found = true;
  rtnl_route_get_metric(route, RTAX_MTU, &answer->mtu_metric);
  if (rtnl_nexthop* nh = rtnl_route_nexthop_n(route, 0)) answer->ifindex = rtnl_route_nh_get_ifindex(nh);
  rtnl_route_put(route);
  return NL_OK;
}

// RTM_GETROUTE's answer, read by hand for the batched lookups: the same
// fields libnl reads in OnRoute (the first next hop's device, the MTU metric).
RouteAnswer ParseRoute(const nlmsghdr* h) {
  RouteAnswer answer;
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return answer;
  answer.found = true;
  int left = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(rtmsg)));
  int oif = 0, first_hop = 0;
  for (auto* a = RTM_RTA(static_cast<const rtmsg*>(NLMSG_DATA(h))); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
    if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof oif) {
      std::memcpy(&oif, RTA_DATA(a), sizeof oif);
    } else if (a->rta_type == RTA_MULTIPATH && RTA_PAYLOAD(a) >= sizeof(rtnexthop)) {
      rtnexthop hop{};
      std::memcpy(&hop, RTA_DATA(a), sizeof hop);
      first_hop = hop.rtnh_ifindex;
    } else if (a->rta_type == RTA_METRICS) {
      int metrics_left = static_cast<int>(RTA_PAYLOAD(a));
      for (auto* m = static_cast<const rtattr*>(RTA_DATA(a)); RTA_OK(m, metrics_left); m = RTA_NEXT(m, metrics_left))
        if (m->rta_type == RTAX_MTU && RTA_PAYLOAD(m) >= sizeof answer.mtu_metric)
          std::memcpy(&answer.mtu_metric, RTA_DATA(m), sizeof answer.mtu_metric);
    }
  }
  answer.ifindex = first_hop > 0 ? first_hop : oif;
  return answer;
}

// One RTM_GETROUTE request for `peer`, as PathMtu's, appended to `out`.
void AppendRouteRequest(std::vector<unsigned char>& out, const IpAddress& peer, std::uint32_t seq) {
  const std::size_t addr_len = peer.is_v4() ? 4 : 16;
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(sizeof(rtmsg)) + RTA_LENGTH(addr_len));
  h.nlmsg_type = RTM_GETROUTE;
  h.nlmsg_flags = NLM_F_REQUEST;
  h.nlmsg_seq = seq;
  rtmsg rtm{};
  rtm.rtm_family = static_cast<unsigned char>(peer.is_v4() ? AF_INET : AF_INET6);
  rtm.rtm_dst_len = static_cast<unsigned char>(addr_len * 8);
  rtattr dst{};
  dst.rta_len = static_cast<unsigned short>(RTA_LENGTH(addr_len));
  dst.rta_type = RTA_DST;
  const std::size_t at = out.size();
  out.resize(at + NLMSG_ALIGN(h.nlmsg_len));
  std::memcpy(out.data() + at, &h, sizeof h);
  std::memcpy(out.data() + at + NLMSG_LENGTH(0), &rtm, sizeof rtm);
  std::memcpy(out.data() + at + NLMSG_LENGTH(sizeof(rtmsg)), &dst, sizeof dst);
  std::memcpy(out.data() + at + NLMSG_LENGTH(sizeof(rtmsg)) + RTA_LENGTH(0), peer.bytes().data(), addr_len);
}

constexpr std::size_t kRouteBatch = 32;

class NetlinkHostNetwork : public HostNetwork {
 public:
  NetlinkHostNetwork() : sock_(Connect()), route_sock_(Connect()) {
    nl_socket_modify_cb(route_sock_.get(), NL_CB_VALID, NL_CB_CUSTOM, OnRoute, &answer_);
    // One reply per request: an ACK left unread would be taken for the next
    // request's answer. Errors (no route) still come as NLMSG_ERROR.
    nl_socket_disable_auto_ack(route_sock_.get());
  }

  ~NetlinkHostNetwork() override {
    if (batch_fd_ >= 0) close(batch_fd_);
  }

  std::optional<int> PathMtu(const IpAddress& peer) override {
    // Ask the kernel's own route lookup (RTM_GETROUTE), which honours
    // policy routing and cached path MTUs, on a socket kept for it (one
    // lookup per peer: 1024 peers must not mean 1024 sockets).
    nl_sock* sock = route_sock_.get();
    answer_ = RouteAnswer{};
    RouteAnswer& answer = answer_;
    std::unique_ptr<nl_msg, MsgFree> msg(nlmsg_alloc_simple(RTM_GETROUTE, 0));
    rtmsg rtm{};
    rtm.rtm_family = static_cast<unsigned char>(peer.is_v4() ? AF_INET : AF_INET6);
    rtm.rtm_dst_len = static_cast<unsigned char>(peer.is_v4() ? 32 : 128);
    if (!msg || nlmsg_append(msg.get(), &rtm, sizeof rtm, NLMSG_ALIGNTO) < 0 ||
        nla_put(msg.get(), RTA_DST, peer.is_v4() ? 4 : 16, peer.bytes().data()) < 0)
      throw Error::Plain("netlink: cannot build a route request");
    if (nl_send_auto(sock, msg.get()) < 0) throw Error::Plain("netlink: cannot send a route request");
    // An unreachable destination answers with an error: no route.
    if (nl_recvmsgs_default(sock) < 0 || !answer.found) return std::nullopt;
    return MtuOf(answer);
  }

  // The same lookups, asked in batches: the kernel answers every request of
  // a batch within its one send, and one receive takes many answers (at
  // 128 peers, 8 system calls instead of 384). A request left unanswered
  // (its answer did not fit the receive buffer) is asked again on its own.
  std::vector<std::optional<int>> PathMtus(const std::vector<IpAddress>& peers) override {
    std::vector<std::optional<int>> out(peers.size());
    std::vector<char> answered(peers.size(), 0);
    const int fd = BatchSocket();
    for (std::size_t first = 0; fd >= 0 && first < peers.size(); first += kRouteBatch) {
      const std::size_t count = std::min(kRouteBatch, peers.size() - first);
      const std::uint32_t base = next_seq_;
      next_seq_ += static_cast<std::uint32_t>(count);
      std::vector<unsigned char> requests;
      for (std::size_t i = 0; i < count; ++i) AppendRouteRequest(requests, peers[first + i], base + static_cast<std::uint32_t>(i));
      sockaddr_nl kernel{};
      kernel.nl_family = AF_NETLINK;
      if (sendto(fd, requests.data(), requests.size(), 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) !=
          static_cast<ssize_t>(requests.size()))
        break;
      std::size_t pending = count;
      while (pending > 0) {
        const ssize_t n = recv(fd, receive_.data(), receive_.size(), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // nothing more queued (or answers were dropped): asked again below
        int left = static_cast<int>(n);
        for (auto* h = reinterpret_cast<const nlmsghdr*>(receive_.data());
             left >= static_cast<int>(sizeof(nlmsghdr)) && h->nlmsg_len >= sizeof(nlmsghdr) &&
             h->nlmsg_len <= static_cast<unsigned>(left);  // NLMSG_OK, without its signed/unsigned comparison
             h = NLMSG_NEXT(h, left)) {
          if (h->nlmsg_seq < base || h->nlmsg_seq - base >= count) continue;  // not this batch's
          const std::size_t at = first + (h->nlmsg_seq - base);
          if (answered[at]) continue;
          if (h->nlmsg_type == NLMSG_ERROR) {
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) continue;
            nlmsgerr e{};
            std::memcpy(&e, NLMSG_DATA(h), sizeof e);
            if (e.error == 0) continue;  // an acknowledgement, not an answer
            answered[at] = 1;            // an unreachable destination: no route
            --pending;
            continue;
          }
          if (h->nlmsg_type != RTM_NEWROUTE) continue;
          const RouteAnswer answer = ParseRoute(h);
          out[at] = answer.found ? MtuOf(answer) : std::nullopt;
          answered[at] = 1;
          --pending;
        }
      }
    }
    for (std::size_t i = 0; i < peers.size(); ++i)
      if (!answered[i]) out[i] = PathMtu(peers[i]);
    return out;
  }

  std::vector<IpAddress> LocalAddresses() override {
    nl_cache* raw = nullptr;
    if (int err = rtnl_addr_alloc_cache(sock_.get(), &raw); err < 0)
      throw Error("netlink address list", "", std::string("cannot be read: ") + nl_geterror(err));
    std::unique_ptr<nl_cache, CacheFree> cache(raw);
    std::vector<IpAddress> out;
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
      nl_addr* local = rtnl_addr_get_local(reinterpret_cast<rtnl_addr*>(o));
      if (!local) continue;
      char buf[INET6_ADDRSTRLEN + 8];
      nl_addr2str(local, buf, sizeof buf);
      std::string text = buf;
      if (auto slash = text.find('/'); slash != std::string::npos) text.resize(slash);
      if (auto ip = IpAddress::Parse(text)) out.push_back(*ip);
    }
    return out;
  }

  std::optional<LinkInfo> Link(const std::string& name) override {
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw) < 0) return std::nullopt;
    std::unique_ptr<rtnl_link, LinkFree> link(raw);
    LinkInfo info{static_cast<int>(rtnl_link_get_mtu(link.get())), (rtnl_link_get_flags(link.get()) & IFF_UP) != 0,
                  rtnl_link_get_type(link.get()) ? rtnl_link_get_type(link.get()) : "", ""};
    if (const int master = rtnl_link_get_master(link.get()); master > 0) {
      rtnl_link* m = nullptr;
      if (rtnl_link_get_kernel(sock_.get(), master, nullptr, &m) >= 0) {
        info.master = rtnl_link_get_name(m) ? rtnl_link_get_name(m) : "";
        rtnl_link_put(m);
      }
    }
    return info;
  }

  void EnsureVethToBridge(const std::string& ovs_end, const std::string& bridge_end, const std::string& bridge,
                          int mtu) override {
    std::unique_ptr<rtnl_link, LinkFree> master = GetLink(bridge);
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sock_.get(), 0, ovs_end.c_str(), &raw) < 0) {
      if (int err = rtnl_link_veth_add(sock_.get(), ovs_end.c_str(), bridge_end.c_str(), getpid()); err < 0 && err != -NLE_EXIST)
        throw Error("veth pair", ovs_end + "/" + bridge_end, std::string("cannot be created: ") + nl_geterror(err));
    } else {
      rtnl_link_put(raw);
    }
    for (const std::string& end : {ovs_end, bridge_end}) {
      std::unique_ptr<rtnl_link, LinkFree> link = GetLink(end);
      std::unique_ptr<rtnl_link, LinkFree> change(rtnl_link_alloc());
      if (mtu > 0) rtnl_link_set_mtu(change.get(), static_cast<unsigned>(mtu));
      if (end == bridge_end) rtnl_link_set_master(change.get(), rtnl_link_get_ifindex(master.get()));
      rtnl_link_set_flags(change.get(), IFF_UP);
      if (int err = rtnl_link_change(sock_.get(), link.get(), change.get(), 0); err < 0)
        throw Error("veth end", end, std::string("cannot be configured: ") + nl_geterror(err),
                    end == bridge_end ? "check that '" + bridge + "' is a Linux bridge" : "");
    }
  }

  void DeleteLink(const std::string& name) override {
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw) < 0) return;
    std::unique_ptr<rtnl_link, LinkFree> link(raw);
    if (int err = rtnl_link_delete(sock_.get(), link.get()); err < 0 && err != -NLE_NODEV && err != -NLE_OBJ_NOTFOUND)
      throw Error("interface", name, std::string("cannot be deleted: ") + nl_geterror(err));
  }

  void EnsureAddress(const std::string& ifname, const Cidr& address) override {
    std::unique_ptr<rtnl_link, LinkFree> link = GetLink(ifname);
    std::unique_ptr<rtnl_addr, AddrFree> addr(rtnl_addr_alloc());
    rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(link.get()));
    auto local = ToNlAddr(address.address, address.prefix_length);
    rtnl_addr_set_local(addr.get(), local.get());
    if (int err = rtnl_addr_add(sock_.get(), addr.get(), NLM_F_REPLACE); err < 0 && err != -NLE_EXIST)
      throw Error("host overlay address " + address.ToString() + " on", ifname,
                  std::string("cannot be added: ") + nl_geterror(err));
    std::unique_ptr<rtnl_link, LinkFree> change(rtnl_link_alloc());
    rtnl_link_set_flags(change.get(), IFF_UP);
    if (int err = rtnl_link_change(sock_.get(), link.get(), change.get(), 0); err < 0)
      throw Error("interface", ifname, std::string("cannot be set up: ") + nl_geterror(err));
  }

  void RemoveAddress(const std::string& ifname, const Cidr& address) override {
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sock_.get(), 0, ifname.c_str(), &raw) < 0) return;  // gone with its addresses
    std::unique_ptr<rtnl_link, LinkFree> link(raw);
    std::unique_ptr<rtnl_addr, AddrFree> addr(rtnl_addr_alloc());
    rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(link.get()));
    auto local = ToNlAddr(address.address, address.prefix_length);
    rtnl_addr_set_local(addr.get(), local.get());
    if (int err = rtnl_addr_delete(sock_.get(), addr.get(), 0);
        err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
      throw Error("host overlay address " + address.ToString() + " on", ifname,
                  std::string("cannot be removed: ") + nl_geterror(err));
  }

 private:
  std::unique_ptr<rtnl_link, LinkFree> GetLink(const std::string& ifname) {
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sock_.get(), 0, ifname.c_str(), &raw) < 0)
      throw Error("interface", ifname, "does not exist in the kernel");
    return std::unique_ptr<rtnl_link, LinkFree>(raw);
  }

  // The egress device's MTU where the route has none of its own.
  std::optional<int> MtuOf(const RouteAnswer& answer) {
    if (answer.mtu_metric > 0) return static_cast<int>(answer.mtu_metric);
    if (answer.ifindex <= 0) return std::nullopt;
    if (auto cached = link_mtu_.find(answer.ifindex); cached != link_mtu_.end()) return cached->second;
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sock_.get(), answer.ifindex, nullptr, &raw) < 0) return std::nullopt;
    std::unique_ptr<rtnl_link, LinkFree> link(raw);
    const int mtu = static_cast<int>(rtnl_link_get_mtu(link.get()));
    link_mtu_[answer.ifindex] = mtu;
    return mtu;
  }

  // A plain rtnetlink socket of its own for the batches: libnl's sockets
  // keep their own sequence numbers. -1: none could be opened (each peer is
  // then asked on its own).
  int BatchSocket() {
    if (batch_fd_ >= 0 || batch_failed_) return batch_fd_;
    batch_fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    sockaddr_nl self{};
    self.nl_family = AF_NETLINK;
    const int size = 1 << 20;  // the kernel caps it at net.core.rmem_max
    if (batch_fd_ < 0 || setsockopt(batch_fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0 ||
        bind(batch_fd_, reinterpret_cast<const sockaddr*>(&self), sizeof self) < 0) {
      if (batch_fd_ >= 0) close(batch_fd_);
      batch_fd_ = -1;
      batch_failed_ = true;
    }
    return batch_fd_;
  }

  Sock sock_;
  Sock route_sock_;
  RouteAnswer answer_;
  int batch_fd_ = -1;
  bool batch_failed_ = false;
  std::uint32_t next_seq_ = 1;
  std::vector<char> receive_ = std::vector<char>(1 << 16);
  std::map<int, int> link_mtu_;  // egress device MTUs seen in this run
};

}  // namespace

std::unique_ptr<HostNetwork> MakeNetlinkHostNetwork() { return std::make_unique<NetlinkHostNetwork>(); }

}  // namespace vxnet::net
