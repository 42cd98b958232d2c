#pragma once
// The <hookData> document libvirt writes to a network hook's stdin: the
// live network, followed for port-created/port-deleted by a <networkport>.
// A networkport carries no tap name and no MTU (docs/platform-facts).
#include <optional>
#include <string>
#include <string_view>

#include "xml/network_xml.h"

namespace vxnet {

struct NetworkPort {
  std::string uuid;
  std::string owner_name;  // the domain
  std::string owner_uuid;
  std::string mac;
  std::string interface_id;  // becomes external_ids:iface-id in OVSDB
  std::string plug_bridge;

  bool operator==(const NetworkPort&) const = default;
};

struct HookData {
  LibvirtNetwork network;
  std::optional<NetworkPort> port;
};

// Throws Error on malformed input or a document that is not hookData.
HookData ParseHookData(std::string_view xml);

}  // namespace vxnet
