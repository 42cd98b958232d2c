#include "hook/hook.h"

#include "xml/hook_data.h"

namespace vxnet::hook {

Operation ParseOperation(std::string_view op) {
  if (op == "start") return Operation::kStart;
  if (op == "started") return Operation::kStarted;
  if (op == "stopped") return Operation::kStopped;
  if (op == "port-created") return Operation::kPortCreated;
  if (op == "port-deleted") return Operation::kPortDeleted;
  if (op == "updated") return Operation::kUpdated;
  return Operation::kUnknown;
}

bool FailureAborts(Operation op) {
  return op == Operation::kStart || op == Operation::kStarted || op == Operation::kPortCreated;
}

Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text) {
  if (args.size() < 3)
    return {2, "usage: vxnet-hook NETWORK OPERATION SUB-OPERATION - (as libvirt calls it; see vxnet-hook --help)"};
  const Operation op = ParseOperation(args[1]);
  // An operation a newer libvirt invented must not break its networks.
  if (op == Operation::kUnknown) return {};

  HookData data;
  try {
    data = ParseHookData(stdin_text);
  } catch (const Error& e) {
    return {FailureAborts(op) ? 1 : 0, std::string("vxnet: ") + e.what()};
  }
  if (!data.network.managed()) return {};  // not ours: touch nothing

  std::vector<Error> errors = ValidateNetwork(data.network);
  if (!errors.empty())
    return {FailureAborts(op) ? 1 : 0, std::string("vxnet: ") + errors.front().what()};
  return {};
}

}  // namespace vxnet::hook
