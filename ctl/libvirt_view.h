#pragma once
// What vxnetctl asks libvirt, through its API (fine here, unlike in the
// hook): the networks with their definitions, running guests' interfaces,
// and starting a network. Every call has a deadline: a libvirtd that stops
// answering makes the program exit with the caller's message and status
// instead of hanging (libvirt's client API has no timeout of its own).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "xml/domain_xml.h"
#include "xml/network_xml.h"

typedef struct _virConnect virConnect;

namespace vxnet::ctl {

struct NetworkEntry {
  std::string name;
  bool active = false;
  bool autostart = false;
  bool persistent = false;
  // The live definition for an active network, else the persistent one
  // (or the persistent one whenever asked for it). parse_error: the XML
  // itself could not be read (then `definition` is empty).
  LibvirtNetwork definition;
  std::optional<std::string> parse_error;
  // For an active network that is also defined: its persistent definition
  // (which 'vxnetctl apply' may have changed while it runs).
  std::optional<LibvirtNetwork> persistent_definition;

  bool vxnet() const { return definition.managed(); }
  // vxnet's and readable by this version.
  bool usable() const { return !parse_error && vxnet() && ValidateNetwork(definition).empty(); }
  // The one line saying why a vxnet network is not usable.
  std::string problem() const;
};

// A running guest's interface on some network, from its live XML.
struct GuestInterface {
  std::string domain, domain_uuid;
  DomainInterface iface;
};

class LibvirtView {
 public:
  // What happens when a call outlives the deadline: `message` (with the
  // call's name appended) goes to `stream` (1 stdout, 2 stderr) and the
  // process exits with `exit_code`.
  struct OnTimeout {
    std::string message;
    int stream = 2;
    int exit_code = 1;
  };

  // Throws Error when libvirt cannot be reached.
  LibvirtView(const std::string& uri, std::chrono::milliseconds per_call, OnTimeout on_timeout);
  ~LibvirtView();
  LibvirtView(const LibvirtView&) = delete;
  LibvirtView& operator=(const LibvirtView&) = delete;

  // Every network; `inactive_definition` reads persistent definitions even
  // of active networks.
  std::vector<NetworkEntry> Networks(bool inactive_definition = false);
  // How many networks libvirt has, active or not, asking nothing of them.
  std::size_t NetworkCount();
  // By name: nullopt when libvirt has no such network. Throws Error when
  // libvirt cannot answer.
  std::optional<NetworkEntry> Network(const std::string& name);
  // Interfaces of running domains (from their live XML).
  std::vector<GuestInterface> RunningGuestInterfaces();
  // virsh net-start. Throws Error with libvirt's message.
  void StartNetwork(const std::string& name);
  // virsh net-define. Throws Error with libvirt's message.
  void DefineNetwork(const std::string& xml);
  // Replaces vxnet's metadata element in a running network's live
  // definition (virNetworkSetMetadata, libvirt 9.7 and later, looked up at
  // run time). false when this libvirt has no such call; throws Error when
  // it has and fails.
  bool SetLiveMetadata(const std::string& network, const std::string& element, const std::string& ns_uri);
  // Persistent domains: name and inactive definition (with secrets, so a
  // redefinition keeps them).
  std::vector<std::pair<std::string, std::string>> PersistentDomains();
  // virsh define. Throws Error with libvirt's message.
  void DefineDomain(const std::string& name, const std::string& xml);

  // The URI libvirt says this connection is (aliases resolved).
  const std::string& uri() const { return uri_; }
  // A connection to this host's own system libvirtd (QEMU or network
  // driver, no remote host): the only one whose networks are this host's.
  // Returns nullopt, or why not.
  std::optional<std::string> NotThisHostsSystemDaemon() const;

 private:
  class Watchdog;
  virConnect* conn_ = nullptr;
  std::string uri_;
  Watchdog* watchdog_ = nullptr;
};

}  // namespace vxnet::ctl
