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

#include <cstring>
#include <map>

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

class NetlinkHostNetwork : public HostNetwork {
 public:
  NetlinkHostNetwork() : sock_(Connect()), route_sock_(Connect()) {
    nl_socket_modify_cb(route_sock_.get(), NL_CB_VALID, NL_CB_CUSTOM, OnRoute, &answer_);
    // One reply per request: an ACK left unread would be taken for the next
    // request's answer. Errors (no route) still come as NLMSG_ERROR.
    nl_socket_disable_auto_ack(route_sock_.get());
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

  Sock sock_;
  Sock route_sock_;
  RouteAnswer answer_;
  std::map<int, int> link_mtu_;  // egress device MTUs seen in this run
};

}  // namespace

std::unique_ptr<HostNetwork> MakeNetlinkHostNetwork() { return std::make_unique<NetlinkHostNetwork>(); }

}  // namespace vxnet::net
