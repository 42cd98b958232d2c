#pragma once
// Whether a guest interface on a vxnet network may start. A guest learns
// its MTU only from <mtu size=…/> (virtio host_mtu); without it the guest
// assumes 1500 and, on a narrower overlay, its big packets vanish.
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "xml/domain_xml.h"

namespace vxnet::engine {

struct GuestVerdict {
  std::optional<Error> refusal;
  std::vector<std::string> warnings;
};

GuestVerdict CheckGuestInterface(const std::string& domain, const DomainInterface& iface, const std::string& network,
                                 int overlay_mtu, GuestMtuPolicy policy);

// The network's own policy wins when it is strict; otherwise the host's.
GuestMtuPolicy EffectivePolicy(GuestMtuPolicy network, GuestMtuPolicy host);

}  // namespace vxnet::engine
