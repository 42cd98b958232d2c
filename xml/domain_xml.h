#pragma once
// The parts of a libvirt domain XML the guest MTU check needs: each
// interface's type, network, MAC and declared MTU (virtio host_mtu).
// Accepts a <domain> (the qemu hook's stdin, /etc/libvirt/qemu/NAME.xml)
// or libvirt's status file (<domstatus><domain>…, /run/libvirt/qemu/).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xml/network_xml.h"

namespace vxnet {

struct DomainInterface {
  std::string type;     // network, bridge, ethernet, …
  std::string network;  // <source network=…> for type='network'
  std::string mac;
  std::optional<long long> mtu;  // <mtu size=…>
};

struct Domain {
  std::string name, uuid;
  std::vector<DomainInterface> interfaces;
};

Domain ParseDomainXml(std::string_view xml);

// A network from libvirt's status file (<networkstatus><network>…, in
// /run/libvirt/network/) or its definition (<network>, /etc/libvirt/qemu/networks/).
LibvirtNetwork ParseNetworkStatusXml(std::string_view xml);

}  // namespace vxnet
