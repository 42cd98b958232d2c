#pragma once
// libvirt's network hook entry: argv + stdin in, an Outcome out. main.cc
// turns the Outcome into an exit status and the one stderr line libvirt
// shows the user; nothing else here knows about processes.
#include <string>
#include <string_view>
#include <vector>

#include "hook/config.h"

namespace vxnet::hook {

// The operations libvirt sends (argv[2]) and whether a failure aborts it.
enum class Operation { kStart, kStarted, kStopped, kPortCreated, kPortDeleted, kUpdated, kUnknown };
Operation ParseOperation(std::string_view op);
// start, started and port-created abort libvirt's action on failure; the
// others are ignored by libvirt, so refusing them helps nobody.
bool FailureAborts(Operation op);

struct Outcome {
  int exit_status = 0;
  std::string message;  // the stderr line; empty when there is nothing to say
  std::vector<std::string> notes;  // stdout: libvirt's debug log only
};

// args: argv[1..] as libvirt passes them: network, op, sub-op, "-".
Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text, const Config& config);

}  // namespace vxnet::hook
