#include "ctl/libvirt_view.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <dlfcn.h>
#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "common/error.h"

namespace vxnet::ctl {

namespace {

void Silence(void*, virErrorPtr) {}

std::string LastError() {
  const char* msg = virGetLastErrorMessage();
  return msg ? msg : "unknown error";
}

// Takes a string libvirt allocated.
std::string Take(char* s) {
  if (!s) return {};
  std::string out(s);
  free(s);
  return out;
}

}  // namespace

// One thread that ends the process when an armed call outlives its time.
class LibvirtView::Watchdog {
 public:
  Watchdog(std::chrono::milliseconds per_call, OnTimeout on_timeout)
      : per_call_(per_call), on_timeout_(std::move(on_timeout)), thread_([this] { Loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Arm(const char* what) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      armed_ = true;
      what_ = what;
      until_ = std::chrono::steady_clock::now() + per_call_;
    }
    cv_.notify_all();
  }
  void Disarm() {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = false;
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(lock);
        continue;
      }
      const auto until = until_;
      cv_.wait_until(lock, until);
      if (!stop_ && armed_ && until_ == until && std::chrono::steady_clock::now() >= until) {
        const std::string line = on_timeout_.message + " (" + what_ + " did not answer within " +
                                 std::to_string(per_call_.count()) + " ms; is libvirtd stuck?)\n";
        [[maybe_unused]] ssize_t n = write(on_timeout_.stream, line.data(), line.size());
        _exit(on_timeout_.exit_code);
      }
    }
  }

  std::chrono::milliseconds per_call_;
  OnTimeout on_timeout_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false, armed_ = false;
  std::string what_;
  std::chrono::steady_clock::time_point until_;
  std::thread thread_;  // last: starts once the rest exists
};

namespace {

// Arms the watchdog for one libvirt call.
class Armed {
 public:
  Armed(auto* watchdog, const char* what) : disarm_([watchdog] { watchdog->Disarm(); }) { watchdog->Arm(what); }
  ~Armed() { disarm_(); }

 private:
  std::function<void()> disarm_;
};

}  // namespace

std::string NetworkEntry::problem() const {
  if (parse_error) return "network '" + name + "': its definition cannot be read: " + *parse_error;
  const std::vector<Error> errors = ValidateNetwork(definition);
  if (errors.empty()) return {};
  return "network '" + name + "': vxnet's metadata cannot be used by this vxnet: " + errors.front().what();
}

LibvirtView::LibvirtView(const std::string& uri, std::chrono::milliseconds per_call, OnTimeout on_timeout)
    : watchdog_(new Watchdog(per_call, std::move(on_timeout))) {
  virSetErrorFunc(nullptr, Silence);
  {
    Armed armed(watchdog_, "connecting to libvirt");
    conn_ = virConnectOpen(uri.c_str());
  }
  if (!conn_) {
    const std::string why = LastError();
    delete watchdog_;
    watchdog_ = nullptr;
    throw Error("libvirt", uri, "cannot be reached: " + why, "is libvirtd running?");
  }
  Armed armed(watchdog_, "asking libvirt for its URI");
  uri_ = Take(virConnectGetURI(conn_));
  if (uri_.empty()) uri_ = uri;
}

LibvirtView::~LibvirtView() {
  if (conn_) {
    Armed armed(watchdog_, "closing the libvirt connection");
    virConnectClose(conn_);
  }
  delete watchdog_;
}

namespace {

// libvirt's -1 ("could not say", e.g. libvirtd dying mid-call) is an
// error, never "inactive": prune would remove a running network's bridge.
NetworkEntry Describe(virNetworkPtr net, bool inactive_definition) {
  NetworkEntry e;
  if (const char* name = virNetworkGetName(net)) e.name = name;
  const int active = virNetworkIsActive(net);
  const int persistent = virNetworkIsPersistent(net);
  if (active < 0 || persistent < 0)
    throw Error("libvirt network", e.name, "could not say whether it is active: " + LastError());
  e.active = active == 1;
  e.persistent = persistent == 1;
  int autostart = 0;
  e.autostart = virNetworkGetAutostart(net, &autostart) == 0 && autostart;
  const unsigned flags = (inactive_definition || !e.active) && e.persistent ? VIR_NETWORK_XML_INACTIVE : 0;
  const std::string xml = Take(virNetworkGetXMLDesc(net, flags));
  if (xml.empty()) {
    e.parse_error = "libvirt gave no definition: " + LastError();
    return e;
  }
  try {
    e.definition = ParseNetworkXml(xml);
  } catch (const Error& err) {
    e.parse_error = err.what();
    // Still say whether it is vxnet's, as far as the text tells.
    if (xml.find(kVxnetNamespace) != std::string::npos) e.definition.metadata_error = err;
  }
  if (e.active && e.persistent && !flags) {
    const std::string config = Take(virNetworkGetXMLDesc(net, VIR_NETWORK_XML_INACTIVE));
    try {
      if (!config.empty()) e.persistent_definition = ParseNetworkXml(config);
    } catch (const Error&) {
    }
  }
  return e;
}

}  // namespace

std::vector<NetworkEntry> LibvirtView::Networks(bool inactive_definition) {
  Armed armed(watchdog_, "listing libvirt's networks");
  virNetworkPtr* nets = nullptr;
  const int n = virConnectListAllNetworks(conn_, &nets, 0);
  if (n < 0) throw Error("libvirt", uri_, "cannot list networks: " + LastError());
  std::vector<NetworkEntry> out;
  std::optional<Error> failed;
  for (int i = 0; i < n; ++i) {
    try {
      if (!failed) out.push_back(Describe(nets[i], inactive_definition));
    } catch (const Error& e) {
      failed = e;
    }
    virNetworkFree(nets[i]);
  }
  free(nets);
  if (failed) throw *failed;
  return out;
}

std::size_t LibvirtView::NetworkCount() {
  Armed armed(watchdog_, "listing libvirt's networks");
  virNetworkPtr* nets = nullptr;
  const int n = virConnectListAllNetworks(conn_, &nets, 0);
  if (n < 0) throw Error("libvirt", uri_, "cannot list networks: " + LastError());
  for (int i = 0; i < n; ++i) virNetworkFree(nets[i]);
  free(nets);
  return static_cast<std::size_t>(n);
}

std::optional<NetworkEntry> LibvirtView::Network(const std::string& name) {
  Armed armed(watchdog_, "looking up a libvirt network");
  virNetworkPtr net = virNetworkLookupByName(conn_, name.c_str());
  if (!net) {
    virErrorPtr err = virGetLastError();
    if (err && err->code == VIR_ERR_NO_NETWORK) return std::nullopt;
    throw Error("libvirt", uri_, "cannot look up network '" + name + "': " + LastError());
  }
  try {
    NetworkEntry e = Describe(net, false);
    virNetworkFree(net);
    return e;
  } catch (const Error&) {
    virNetworkFree(net);
    throw;
  }
}

std::vector<GuestInterface> LibvirtView::RunningGuestInterfaces() {
  Armed armed(watchdog_, "listing running domains");
  virDomainPtr* doms = nullptr;
  const int n = virConnectListAllDomains(conn_, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0) throw Error("libvirt", uri_, "cannot list domains: " + LastError());
  std::vector<GuestInterface> out;
  for (int i = 0; i < n; ++i) {
    const std::string xml = Take(virDomainGetXMLDesc(doms[i], 0));
    virDomainFree(doms[i]);
    if (xml.empty()) continue;  // it stopped meanwhile
    try {
      const Domain d = ParseDomainXml(xml);
      for (const DomainInterface& iface : d.interfaces) out.push_back({d.name, d.uuid, iface});
    } catch (const Error&) {
    }
  }
  free(doms);
  return out;
}

void LibvirtView::StartNetwork(const std::string& name) {
  Armed armed(watchdog_, "starting a network");
  virNetworkPtr net = virNetworkLookupByName(conn_, name.c_str());
  if (!net) throw Error("network", name, "cannot be found: " + LastError());
  const int rc = virNetworkCreate(net);
  const std::string why = rc < 0 ? LastError() : "";
  virNetworkFree(net);
  if (rc < 0) throw Error("network", name, "cannot be started: " + why);
}

void LibvirtView::DefineNetwork(const std::string& xml) {
  Armed armed(watchdog_, "defining a network");
  virNetworkPtr net = virNetworkDefineXML(conn_, xml.c_str());
  if (!net) throw Error("network definition", "", "refused by libvirt: " + LastError());
  virNetworkFree(net);
}

bool LibvirtView::SetLiveMetadata(const std::string& network, const std::string& element, const std::string& ns_uri) {
  // int virNetworkSetMetadata(virNetworkPtr, int type, const char* metadata,
  //                           const char* key, const char* uri, unsigned int flags)
  using SetMetadata = int (*)(virNetworkPtr, int, const char*, const char*, const char*, unsigned int);
  const auto set = reinterpret_cast<SetMetadata>(dlsym(RTLD_DEFAULT, "virNetworkSetMetadata"));
  if (!set) return false;
  constexpr int kMetadataElement = 2;   // VIR_NETWORK_METADATA_ELEMENT
  constexpr unsigned kAffectLive = 1;   // VIR_NETWORK_UPDATE_AFFECT_LIVE
  Armed armed(watchdog_, "setting a network's metadata");
  virNetworkPtr net = virNetworkLookupByName(conn_, network.c_str());
  if (!net) throw Error("network", network, "cannot be found: " + LastError());
  const int rc = set(net, kMetadataElement, element.c_str(), "vxnet", ns_uri.c_str(), kAffectLive);
  const std::string why = rc < 0 ? LastError() : "";
  virNetworkFree(net);
  if (rc < 0) throw Error("network", network, "live metadata cannot be set: " + why);
  return true;
}

std::vector<std::pair<std::string, std::string>> LibvirtView::PersistentDomains() {
  Armed armed(watchdog_, "listing persistent domains");
  virDomainPtr* doms = nullptr;
  const int n = virConnectListAllDomains(conn_, &doms, VIR_CONNECT_LIST_DOMAINS_PERSISTENT);
  if (n < 0) throw Error("libvirt", uri_, "cannot list domains: " + LastError());
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < n; ++i) {
    const char* name = virDomainGetName(doms[i]);
    std::string xml = Take(virDomainGetXMLDesc(doms[i], VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE));
    if (name && !xml.empty()) out.emplace_back(name, std::move(xml));
    virDomainFree(doms[i]);
  }
  free(doms);
  return out;
}

void LibvirtView::DefineDomain(const std::string& name, const std::string& xml) {
  Armed armed(watchdog_, "defining a domain");
  virDomainPtr dom = virDomainDefineXML(conn_, xml.c_str());
  if (!dom) throw Error("domain", name, "cannot be redefined: " + LastError());
  virDomainFree(dom);
}

std::optional<std::string> LibvirtView::NotThisHostsSystemDaemon() const {
  const auto sep = uri_.find("://");
  if (sep == std::string::npos) return "'" + uri_ + "' is not a libvirt URI";
  const std::string scheme = uri_.substr(0, sep);
  const std::string driver = scheme.substr(0, scheme.find('+'));
  const std::string transport = scheme.find('+') == std::string::npos ? "" : scheme.substr(scheme.find('+') + 1);
  const std::string rest = uri_.substr(sep + 3);
  const std::string host = rest.substr(0, rest.find('/'));
  const std::string path = rest.find('/') == std::string::npos ? "" : rest.substr(rest.find('/'), rest.find('?') - rest.find('/'));
  if (driver != "qemu" && driver != "network")
    return "'" + uri_ + "' is libvirt's '" + driver + "' driver, not this host's QEMU or network driver";
  if (!host.empty() || (!transport.empty() && transport != "unix"))
    return "'" + uri_ + "' names a remote host; OVS here holds this host's networks only";
  if (path != "/system") return "'" + uri_ + "' is not the system daemon (qemu:///system)";
  return std::nullopt;
}

}  // namespace vxnet::ctl
