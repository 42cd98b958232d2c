// rtnetlink on a plain socket. vxnet makes few kinds of request (a route,
// a link, the address list, an address added or removed, a veth pair), and
// each shared library the hook links costs every one of its starts
// (docs/PERFORMANCE.md), so they are written and read here, without libnl.
// Netlink requests to the local kernel are answered within the send itself;
// nothing here waits on anything remote.
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

#include "common/error.h"
#include "net/host_network.h"

namespace vxnet::net {

namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// The glibc macros mix int and unsigned; these are the same sizes as size_t.
constexpr std::size_t kHeaderLen = NLMSG_ALIGN(sizeof(nlmsghdr));
constexpr std::size_t kAttrLen = RTA_ALIGN(sizeof(rtattr));
constexpr std::size_t Align(std::size_t len) { return (len + 3) & ~std::size_t{3}; }

// A netlink message being built: header, the fixed part of its type, then
// attributes, some of them nested (opened, filled, closed).
class Message {
 public:
  Message(std::uint16_t type, std::uint16_t flags) : bytes_(kHeaderLen) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    std::memcpy(bytes_.data(), &h, sizeof h);
  }

  template <typename T>
  void Fixed(const T& body) {
    Append(&body, sizeof body);
  }
  void Attr(std::uint16_t type, const void* data, std::size_t len) {
    rtattr a{};
    a.rta_len = static_cast<unsigned short>(kAttrLen + len);
    a.rta_type = type;
    Append(&a, sizeof a);
    Append(data, len);
  }
  // The string and its terminating NUL, as the kernel's NLA_STRING wants.
  void Attr(std::uint16_t type, const char* text) { Attr(type, text, std::strlen(text) + 1); }
  std::size_t Open(std::uint16_t type) {
    const std::size_t at = bytes_.size();
    Attr(type, nullptr, 0);
    return at;
  }
  void Close(std::size_t at) {
    const auto len = static_cast<unsigned short>(bytes_.size() - at);
    std::memcpy(bytes_.data() + at + offsetof(rtattr, rta_len), &len, sizeof len);
  }

  std::uint16_t flags() const {
    nlmsghdr h;
    std::memcpy(&h, bytes_.data(), sizeof h);
    return h.nlmsg_flags;
  }
  // The finished bytes, numbered `seq`.
  const std::vector<unsigned char>& Finish(std::uint32_t seq) {
    nlmsghdr h;
    std::memcpy(&h, bytes_.data(), sizeof h);
    h.nlmsg_len = static_cast<std::uint32_t>(bytes_.size());
    h.nlmsg_seq = seq;
    std::memcpy(bytes_.data(), &h, sizeof h);
    return bytes_;
  }

 private:
  // Everything is padded to 4 bytes (NLMSG_ALIGNTO and RTA_ALIGNTO alike).
  void Append(const void* data, std::size_t len) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + Align(len));
    if (len > 0) std::memcpy(bytes_.data() + at, data, len);
  }

  std::vector<unsigned char> bytes_;
};

// Received bytes. Every length read from them is checked against what is
// left before it is used: a short or malformed message ends the walk, it is
// never read past.
struct Bytes {
  const unsigned char* data = nullptr;
  std::size_t size = 0;

  Bytes From(std::size_t offset) const {
    return offset >= size ? Bytes{data + size, 0} : Bytes{data + offset, size - offset};
  }
  template <typename T>
  std::optional<T> As() const {
    if (size < sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, data, sizeof value);
    return value;
  }
  // An NLA_STRING: up to its NUL or its end.
  std::string Text() const {
    const auto* end = static_cast<const unsigned char*>(std::memchr(data, 0, size));
    return std::string(reinterpret_cast<const char*>(data), end ? static_cast<std::size_t>(end - data) : size);
  }
};

// fn(header, payload) for each whole message in `in`.
template <typename Fn>
void ForEachMessage(Bytes in, Fn&& fn) {
  while (const auto h = in.As<nlmsghdr>()) {
    const std::size_t len = h->nlmsg_len;
    if (len < kHeaderLen || len > in.size) return;
    fn(*h, Bytes{in.data + kHeaderLen, len - kHeaderLen});
    in = in.From(Align(len));
  }
}

// fn(type, payload) for each attribute in `in` (the nesting flag masked off).
template <typename Fn>
void ForEachAttr(Bytes in, Fn&& fn) {
  while (const auto a = in.As<rtattr>()) {
    const std::size_t len = a->rta_len;
    if (len < kAttrLen || len > in.size) return;
    fn(static_cast<std::uint16_t>(a->rta_type & NLA_TYPE_MASK), Bytes{in.data + kAttrLen, len - kAttrLen});
    in = in.From(Align(len));
  }
}

// A u32 the kernel sends for an MTU or an interface index, as the int the
// rest of vxnet uses; a value past INT_MAX (no kernel sends one) is none.
int ToInt(std::optional<std::uint32_t> v) { return v && *v <= INT_MAX ? static_cast<int>(*v) : 0; }

struct KernelLink {
  int index = 0;
  unsigned flags = 0;
  int mtu = 0;
  int master = 0;
  std::string name;
  std::string kind;
};

KernelLink ParseLink(Bytes payload) {
  KernelLink link;
  if (const auto ifi = payload.As<ifinfomsg>()) {
    link.index = ifi->ifi_index;
    link.flags = ifi->ifi_flags;
  }
  ForEachAttr(payload.From(Align(sizeof(ifinfomsg))), [&](std::uint16_t type, Bytes value) {
    if (type == IFLA_MTU) link.mtu = ToInt(value.As<std::uint32_t>());
    if (type == IFLA_MASTER) link.master = ToInt(value.As<std::uint32_t>());
    if (type == IFLA_IFNAME) link.name = value.Text();
    if (type == IFLA_LINKINFO)
      ForEachAttr(value, [&](std::uint16_t info, Bytes kind) {
        if (info == IFLA_INFO_KIND) link.kind = kind.Text();
      });
  });
  return link;
}

struct RouteAnswer {
  bool found = false;
  int mtu_metric = 0;
  int ifindex = 0;
};

// RTM_GETROUTE's answer: the route's MTU metric and the first next hop's
// device (the route's own for a single path).
RouteAnswer ParseRoute(Bytes payload) {
  RouteAnswer answer;
  if (payload.size < sizeof(rtmsg)) return answer;
  answer.found = true;
  int oif = 0, first_hop = 0;
  ForEachAttr(payload.From(Align(sizeof(rtmsg))), [&](std::uint16_t type, Bytes value) {
    if (type == RTA_OIF) oif = ToInt(value.As<std::uint32_t>());
    if (type == RTA_MULTIPATH)
      if (const auto hop = value.As<rtnexthop>()) first_hop = hop->rtnh_ifindex;
    if (type == RTA_METRICS)
      ForEachAttr(value, [&](std::uint16_t metric, Bytes v) {
        if (metric == RTAX_MTU) answer.mtu_metric = ToInt(v.As<std::uint32_t>());
      });
  });
  answer.ifindex = first_hop > 0 ? first_hop : oif;
  return answer;
}

Message RouteRequest(const IpAddress& peer) {
  Message m(RTM_GETROUTE, NLM_F_REQUEST);
  rtmsg rtm{};
  rtm.rtm_family = static_cast<unsigned char>(peer.is_v4() ? AF_INET : AF_INET6);
  rtm.rtm_dst_len = static_cast<unsigned char>(peer.is_v4() ? 32 : 128);
  m.Fixed(rtm);
  m.Attr(RTA_DST, peer.bytes().data(), peer.is_v4() ? 4 : 16);
  return m;
}

// An address request (RTM_NEWADDR, RTM_DELADDR) for `address` on link `index`.
Message AddressRequest(std::uint16_t type, std::uint16_t flags, int index, const Cidr& address) {
  Message m(type, static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags));
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<unsigned char>(address.address.is_v4() ? AF_INET : AF_INET6);
  ifa.ifa_prefixlen = static_cast<unsigned char>(address.prefix_length);
  ifa.ifa_index = static_cast<std::uint32_t>(index);
  m.Fixed(ifa);
  const std::size_t len = address.address.is_v4() ? 4 : 16;
  // Both, as `ip address` sends them: IPv4 takes the local address from
  // IFA_LOCAL, IPv6 from IFA_ADDRESS.
  m.Attr(IFA_LOCAL, address.address.bytes().data(), len);
  m.Attr(IFA_ADDRESS, address.address.bytes().data(), len);
  return m;
}

std::optional<IpAddress> ToIp(unsigned char family, Bytes value) {
  if (!((family == AF_INET && value.size == 4) || (family == AF_INET6 && value.size == 16))) return std::nullopt;
  char text[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(family, value.data, text, sizeof text)) return std::nullopt;
  return IpAddress::Parse(text);
}

constexpr std::size_t kRouteBatch = 32;

class NetlinkHostNetwork : public HostNetwork {
 public:
  NetlinkHostNetwork() : fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {
    if (fd_ < 0) throw Error("netlink route socket", "NETLINK_ROUTE", "cannot be opened: " + ErrnoText(errno));
    // Room for a batch of route answers; the kernel caps it at
    // net.core.rmem_max, and a batch whose answers do not fit is asked
    // again peer by peer.
    const int size = 1 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    // An answer the kernel dropped (ENOBUFS aside) must not hang the hook,
    // which holds libvirt's lock on the network.
    const timeval timeout{2, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    // Connected to the kernel: messages any other socket sends to this one
    // are refused (netlink lets any process send to a port), so no local
    // user can forge an answer.
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
      const int err = errno;
      close(fd_);
      throw Error("netlink route socket", "NETLINK_ROUTE", "cannot be opened: " + ErrnoText(err));
    }
  }
  NetlinkHostNetwork(const NetlinkHostNetwork&) = delete;
  NetlinkHostNetwork& operator=(const NetlinkHostNetwork&) = delete;
  ~NetlinkHostNetwork() override { close(fd_); }

  std::optional<int> PathMtu(const IpAddress& peer) override {
    // The kernel's own route lookup (RTM_GETROUTE), which honours policy
    // routing and cached path MTUs. An unreachable destination answers
    // with an error: no route.
    Message m = RouteRequest(peer);
    RouteAnswer answer;
    const int err = Request(m, [&](const nlmsghdr& h, Bytes payload) {
      if (h.nlmsg_type == RTM_NEWROUTE) answer = ParseRoute(payload);
    });
    if (err != 0 || !answer.found) return std::nullopt;
    return MtuOf(answer);
  }

  // The same lookups, asked in batches: the kernel answers every request of
  // a batch within its one send, and one receive takes many answers (at
  // 128 peers, 8 system calls instead of 384). A request left unanswered
  // (its answer did not fit the receive buffer) is asked again on its own.
  std::vector<std::optional<int>> PathMtus(const std::vector<IpAddress>& peers) override {
    std::vector<std::optional<int>> out(peers.size());
    std::vector<char> answered(peers.size(), 0);
    for (std::size_t first = 0; first < peers.size(); first += kRouteBatch) {
      const std::size_t count = std::min(kRouteBatch, peers.size() - first);
      const std::uint32_t base = next_seq_;
      next_seq_ += static_cast<std::uint32_t>(count);
      std::vector<unsigned char> requests;
      for (std::size_t i = 0; i < count; ++i) {
        Message m = RouteRequest(peers[first + i]);
        const auto& bytes = m.Finish(base + static_cast<std::uint32_t>(i));
        requests.insert(requests.end(), bytes.begin(), bytes.end());
      }
      if (send(fd_, requests.data(), requests.size(), 0) != static_cast<ssize_t>(requests.size())) break;
      std::size_t pending = count;
      while (pending > 0) {
        const ssize_t n = recv(fd_, receive_.data(), receive_.size(), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // nothing more queued (or answers were dropped): asked again below
        ForEachMessage(Bytes{receive_.data(), static_cast<std::size_t>(n)}, [&](const nlmsghdr& h, Bytes payload) {
          if (h.nlmsg_seq < base || h.nlmsg_seq - base >= count) return;  // not this batch's
          const std::size_t at = first + (h.nlmsg_seq - base);
          if (answered[at]) return;
          if (h.nlmsg_type == NLMSG_ERROR) {
            const auto e = payload.As<nlmsgerr>();
            if (!e || e->error == 0) return;  // an acknowledgement, not an answer
            answered[at] = 1;                 // an unreachable destination: no route
            --pending;
            return;
          }
          if (h.nlmsg_type != RTM_NEWROUTE) return;
          const RouteAnswer answer = ParseRoute(payload);
          out[at] = answer.found ? MtuOf(answer) : std::nullopt;
          answered[at] = 1;
          --pending;
        });
      }
    }
    for (std::size_t i = 0; i < peers.size(); ++i)
      if (!answered[i]) out[i] = PathMtu(peers[i]);
    return out;
  }

  std::vector<IpAddress> LocalAddresses() override {
    Message m(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_UNSPEC;
    m.Fixed(ifa);
    std::vector<IpAddress> out;
    const int err = Request(m, [&](const nlmsghdr& h, Bytes payload) {
      const auto msg = payload.As<ifaddrmsg>();
      if (h.nlmsg_type != RTM_NEWADDR || !msg) return;
      // IFA_LOCAL is the address itself; IPv6 sends only IFA_ADDRESS (for
      // IPv4 that is the peer of a point-to-point address).
      std::optional<IpAddress> local, address;
      ForEachAttr(payload.From(Align(sizeof(ifaddrmsg))), [&](std::uint16_t type, Bytes value) {
        if (type == IFA_LOCAL) local = ToIp(msg->ifa_family, value);
        if (type == IFA_ADDRESS) address = ToIp(msg->ifa_family, value);
      });
      if (local || address) out.push_back(local ? *local : *address);
    });
    if (err != 0) throw Error("netlink address list", "", "cannot be read: " + ErrnoText(err));
    return out;
  }

  std::optional<LinkInfo> Link(const std::string& name) override {
    const std::optional<KernelLink> link = GetLink(name, 0);
    if (!link) return std::nullopt;
    LinkInfo info{link->mtu, (link->flags & IFF_UP) != 0, link->kind, ""};
    if (link->master > 0)
      if (const std::optional<KernelLink> master = GetLink("", link->master)) info.master = master->name;
    return info;
  }

  void EnsureVethToBridge(const std::string& ovs_end, const std::string& bridge_end, const std::string& bridge,
                          int mtu) override {
    const KernelLink master = MustGetLink(bridge);
    if (!GetLink(ovs_end, 0)) {
      Message m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
      m.Fixed(ifinfomsg{});
      m.Attr(IFLA_IFNAME, ovs_end.c_str());
      const std::size_t info = m.Open(IFLA_LINKINFO);
      m.Attr(IFLA_INFO_KIND, "veth");
      const std::size_t data = m.Open(IFLA_INFO_DATA);
      const std::size_t peer = m.Open(VETH_INFO_PEER);
      m.Fixed(ifinfomsg{});
      m.Attr(IFLA_IFNAME, bridge_end.c_str());
      m.Close(peer);
      m.Close(data);
      m.Close(info);
      if (const int err = Request(m); err != 0 && err != EEXIST)
        throw Error("veth pair", ovs_end + "/" + bridge_end, "cannot be created: " + ErrnoText(err));
    }
    for (const std::string& end : {ovs_end, bridge_end}) {
      const KernelLink link = MustGetLink(end);
      if (const int err = SetLink(link.index, mtu, end == bridge_end ? master.index : 0); err != 0)
        throw Error("veth end", end, "cannot be configured: " + ErrnoText(err),
                    end == bridge_end ? "check that '" + bridge + "' is a Linux bridge" : "");
    }
  }

  void DeleteLink(const std::string& name) override {
    const std::optional<KernelLink> link = GetLink(name, 0);
    if (!link) return;
    Message m(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
    ifinfomsg ifi{};
    ifi.ifi_index = link->index;
    m.Fixed(ifi);
    // Gone meanwhile is what was asked for.
    if (const int err = Request(m); err != 0 && err != ENODEV && err != ENOENT && err != ESRCH)
      throw Error("interface", name, "cannot be deleted: " + ErrnoText(err));
  }

  void EnsureAddress(const std::string& ifname, const Cidr& address) override {
    const KernelLink link = MustGetLink(ifname);
    Message m = AddressRequest(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, link.index, address);
    if (const int err = Request(m); err != 0 && err != EEXIST && err != EADDRINUSE)
      throw Error("host overlay address " + address.ToString() + " on", ifname, "cannot be added: " + ErrnoText(err));
    if (const int err = SetLink(link.index, 0, 0); err != 0)
      throw Error("interface", ifname, "cannot be set up: " + ErrnoText(err));
  }

  void RemoveAddress(const std::string& ifname, const Cidr& address) override {
    const std::optional<KernelLink> link = GetLink(ifname, 0);
    if (!link) return;  // gone with its addresses
    Message m = AddressRequest(RTM_DELADDR, 0, link->index, address);
    if (const int err = Request(m); err != 0 && err != EADDRNOTAVAIL && err != ENOENT && err != ESRCH && err != ENODEV)
      throw Error("host overlay address " + address.ToString() + " on", ifname,
                  "cannot be removed: " + ErrnoText(err));
  }

 private:
  // Sends `m` and hands each message of its answer to `fn` until the answer
  // is complete: the acknowledgement or error of a change, the end of a
  // dump, the one reply of a get. Returns 0 or the kernel's errno for the
  // request; throws when the socket itself fails.
  template <typename Fn>
  int Request(Message& m, Fn&& fn) {
    const std::uint16_t flags = m.flags();
    const std::uint32_t seq = next_seq_++;
    const auto& bytes = m.Finish(seq);
    if (send(fd_, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()))
      throw Error::Plain("netlink: cannot send a request to the kernel: " + ErrnoText(errno));
    int result = 0;
    bool done = false;  // set by the walk below
    while (!done) {
      iovec iov{receive_.data(), receive_.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      const ssize_t n = recvmsg(fd_, &msg, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        throw Error::Plain("netlink: no answer from the kernel: " +
                           (errno == EAGAIN ? std::string("none within 2 s") : ErrnoText(errno)));
      if (msg.msg_flags & MSG_TRUNC) throw Error::Plain("netlink: an answer from the kernel exceeds 64 KiB");
      ForEachMessage(Bytes{receive_.data(), static_cast<std::size_t>(n)}, [&](const nlmsghdr& h, Bytes payload) {
        if (done || h.nlmsg_seq != seq) return;  // a late answer to an earlier batch
        if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_DONE) {
          // NLMSG_DONE carries the dump's own error, if any.
          const auto error = payload.As<int>();
          result = error && *error < 0 ? -*error : 0;
          done = true;
          return;
        }
        fn(h, payload);
        if (!(flags & (NLM_F_ACK | NLM_F_DUMP))) done = true;  // a get: one reply
      });
    }
    return result;
  }
  int Request(Message& m) {
    return Request(m, [](const nlmsghdr&, Bytes) {});
  }

  // By name, or by index when `name` is empty. nullopt: no such link (or
  // the kernel refused to say: a name too long, …).
  std::optional<KernelLink> GetLink(const std::string& name, int index) {
    Message m(RTM_GETLINK, NLM_F_REQUEST);
    ifinfomsg ifi{};
    ifi.ifi_index = index;
    m.Fixed(ifi);
    if (!name.empty()) m.Attr(IFLA_IFNAME, name.c_str());
    // Counters are not needed: a smaller answer.
    const std::uint32_t mask = RTEXT_FILTER_SKIP_STATS;
    m.Attr(IFLA_EXT_MASK, &mask, sizeof mask);
    std::optional<KernelLink> out;
    const int err = Request(m, [&](const nlmsghdr& h, Bytes payload) {
      if (h.nlmsg_type == RTM_NEWLINK) out = ParseLink(payload);
    });
    if (err != 0) return std::nullopt;
    return out;
  }
  KernelLink MustGetLink(const std::string& name) {
    std::optional<KernelLink> link = GetLink(name, 0);
    if (!link) throw Error("interface", name, "does not exist in the kernel");
    return *link;
  }

  // Sets link `index` up, with `mtu` (0: left as is) and enslaved to
  // `master` (0: left as is). Returns 0 or the kernel's errno.
  int SetLink(int index, int mtu, int master) {
    Message m(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
    ifinfomsg ifi{};
    ifi.ifi_index = index;
    ifi.ifi_flags = IFF_UP;
    ifi.ifi_change = IFF_UP;
    m.Fixed(ifi);
    if (mtu > 0) {
      const auto value = static_cast<std::uint32_t>(mtu);
      m.Attr(IFLA_MTU, &value, sizeof value);
    }
    if (master > 0) {
      const auto value = static_cast<std::uint32_t>(master);
      m.Attr(IFLA_MASTER, &value, sizeof value);
    }
    return Request(m);
  }

  // The egress device's MTU where the route has none of its own.
  std::optional<int> MtuOf(const RouteAnswer& answer) {
    if (answer.mtu_metric > 0) return answer.mtu_metric;
    if (answer.ifindex <= 0) return std::nullopt;
    if (auto cached = link_mtu_.find(answer.ifindex); cached != link_mtu_.end()) return cached->second;
    const std::optional<KernelLink> link = GetLink("", answer.ifindex);
    if (!link) return std::nullopt;
    link_mtu_[answer.ifindex] = link->mtu;
    return link->mtu;
  }

  int fd_;
  std::uint32_t next_seq_ = 1;
  std::vector<unsigned char> receive_ = std::vector<unsigned char>(1 << 16);
  std::map<int, int> link_mtu_;  // egress device MTUs seen in this run
};

}  // namespace

std::unique_ptr<HostNetwork> MakeNetlinkHostNetwork() { return std::make_unique<NetlinkHostNetwork>(); }

}  // namespace vxnet::net
