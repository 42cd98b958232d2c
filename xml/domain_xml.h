#pragma once
// The parts of a libvirt domain XML the guest MTU check needs: each
// interface's type, network, MAC and declared MTU (virtio host_mtu).
// Accepts a <domain> (the qemu hook's stdin, /etc/libvirt/qemu/NAME.xml)
// or libvirt's status file (<domstatus><domain>…, /run/libvirt/qemu/).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xml/network_xml.h"
#include "xml/xml_doc.h"

namespace vxnet {

struct DomainInterface {
  std::string type;     // network, bridge, ethernet, …
  std::string network;  // <source network=…> for type='network'
  std::string port_id;  // <source portid=…>: its libvirt network port (live XML)
  std::string mac;
  std::optional<long long> mtu;  // <mtu size=…>
  // In a running domain's live XML: the tap (<target dev=…>), the bridge
  // libvirt plugged it into (<source bridge=…>) and the OVS interfaceid.
  std::string target_dev;
  std::string bridge;
  std::string interface_id;
};

struct Domain {
  std::string name, uuid;
  std::vector<DomainInterface> interfaces;
};

Domain ParseDomainXml(std::string_view xml);

// Edits a domain XML's <interface type='network'> elements: `edit` gets the
// domain's name, each such interface and its source network, and says
// whether it changed the interface. Returns the new document, or nullopt
// when nothing changed. Every other element stays as it is.
using NetworkInterfaceEdit = std::function<bool(const std::string& domain_name, xmlNode* iface, const std::string& network)>;
std::optional<std::string> EditNetworkInterfaces(std::string_view domain_xml, const NetworkInterfaceEdit& edit);

// Gives every <interface type='network'> whose source network is a key of
// `mtu_by_network` an <mtu size='M'/> with that network's M, leaving every
// other interface and element as it is. Returns the new document, or
// nullopt when nothing needed changing; `changes` gets one line per change.
std::optional<std::string> AdoptInterfaceMtus(std::string_view domain_xml,
                                              const std::map<std::string, int>& mtu_by_network,
                                              std::vector<std::string>& changes);

// A network from libvirt's status file (<networkstatus><network>…, in
// /run/libvirt/network/) or its definition (<network>, /etc/libvirt/qemu/networks/).
LibvirtNetwork ParseNetworkStatusXml(std::string_view xml);

}  // namespace vxnet
