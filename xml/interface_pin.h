#pragma once
// OVN mode binds a guest's port by its OVS interfaceid (libvirt writes it
// as the tap's external_ids:iface-id), and libvirt makes a new one at every
// start and on a migration's destination unless the domain pins it. A new
// id means a new logical port each time and a migrating guest whose port
// the destination does not know. vxnetctl adopt pins it, as OpenStack does.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace vxnet {

// Gives every <interface type='network'> whose source network is in
// `networks` and which pins no interfaceid a
// <virtualport type='openvswitch'><parameters interfaceid='ID'/></virtualport>
// (adding parameters to an existing openvswitch virtualport; another type
// of virtualport is left alone). ID is `live_ids[MAC]` (what the running
// guest uses now, so its logical port keeps matching), else `new_id()`.
// Returns the new document, or nullopt when nothing needed changing;
// `changes` gets one line per change.
std::optional<std::string> PinInterfaceIds(std::string_view domain_xml, const std::set<std::string>& networks,
                                           const std::map<std::string, std::string>& live_ids,
                                           const std::function<std::string()>& new_id, std::vector<std::string>& changes);

}  // namespace vxnet
