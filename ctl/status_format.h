#pragma once
// vxnetctl status as people and programs read it: text for the terminal,
// JSON for scripts. What it says was judged by the engine (engine/health.h).
#include <string>
#include <vector>

#include "engine/health.h"

namespace vxnet::ctl {

using engine::kCritical;
using engine::kOk;
using engine::kUnknown;
using engine::kWarning;
using engine::Level;
using engine::LevelName;
using engine::NetworkStatus;

std::string FormatText(const NetworkStatus& status);
std::string FormatJson(const std::vector<NetworkStatus>& statuses);

}  // namespace vxnet::ctl
