#pragma once
// libvirt's own files for a network or a domain, under the directories
// vxnet.conf names (libvirt_config_dir, libvirt_state_dir). vxnet reads
// them, never writes them, and never asks libvirt's API from the hook
// (calling back into libvirt from its hook deadlocks).
//
// A name that is empty or holds '/' (or a NUL) could name another file:
// libvirt forbids both, and these return nullopt for them.
#include <optional>
#include <string>
#include <string_view>

#include "engine/config.h"

namespace vxnet::engine {

// CONFIG_DIR/qemu/networks/NAME.xml: the persistent definition (<network>).
std::optional<std::string> DefinedNetworkFile(const Config& config, std::string_view network);
// STATE_DIR/network/NAME.xml: the status file (<networkstatus>), which
// exists exactly while the network is active; libvirt writes it after the
// 'started' hook and removes it before 'stopped'.
std::optional<std::string> ActiveNetworkFile(const Config& config, std::string_view network);
// CONFIG_DIR/qemu/NAME.xml: the persistent definition (<domain>).
std::optional<std::string> DefinedDomainFile(const Config& config, std::string_view domain);
// STATE_DIR/qemu/NAME.xml: the running domain's status file (<domstatus>);
// not yet there at a start's 'prepare' and port-created.
std::optional<std::string> RunningDomainFile(const Config& config, std::string_view domain);

}  // namespace vxnet::engine
