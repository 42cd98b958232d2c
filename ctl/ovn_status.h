#pragma once
// What `vxnetctl status` adds for a network in OVN mode, from plain data
// (the engine's OvnObservation): this chassis registered in the Southbound
// DB and its encaps, the logical switch, and each running guest's logical
// port bound here and up. Problems raise the level as in full-mesh mode.
#include <string>
#include <vector>

#include "ctl/status.h"
#include "engine/ovn_engine.h"

namespace vxnet::ctl {

struct OvnGuestPort {
  std::string domain, interface_id;
};

void AddOvnFindings(NetworkStatus& status, const std::string& logical_switch, const engine::OvnObservation& observed,
                    const std::vector<OvnGuestPort>& guests);

}  // namespace vxnet::ctl
