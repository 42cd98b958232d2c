#pragma once
// Logging for the hook: syslog (ident "vxnet") and a file, both through
// spdlog. One info line per run that did anything (network, operation,
// outcome, duration); details at debug. stderr is not used: it is reserved
// for the one line libvirt shows the user.
#include <chrono>
#include <string>

#include <exception>
#include <vector>

#include "engine/config.h"
#include "hook/hook.h"

namespace vxnet::hook {

// Never throws: a log that cannot be opened must not fail a network.
void SetupLogging(const engine::Config& config);

void LogRun(const std::string& role, const std::string& target, const std::string& operation, const Outcome& outcome,
            std::chrono::milliseconds duration);

// The last resort: an exception that escaped everything else.
void LogEscaped(const std::vector<std::string>& args, std::exception_ptr error);

}  // namespace vxnet::hook
