#include "hook/hook.h"

#include "ovs/reconcile.h"
#include "xml/hook_data.h"

namespace vxnet::hook {

namespace {

ovs::OvsdbClient Connect(const Config& config, const Deadline& deadline) {
  ovs::OvsdbClient client = ovs::OvsdbClient::Connect(ovs::Endpoint::Parse(config.ovsdb), deadline);
  ovs::CheckSchema(client, deadline);
  return client;
}

// start: make OVS hold what the network declares.
Outcome Start(const NetworkSpec& spec, const Config& config) {
  const Deadline deadline = Deadline::After(config.timeout);
  ovs::OvsdbClient client = Connect(config, deadline);
  ovs::ReconcileReport report = ovs::Reconcile(client, ovs::DesiredFromSpec(spec, spec.mtu), deadline);
  Outcome outcome;
  outcome.notes = report.changes;
  outcome.notes.push_back("network " + spec.name + ": bridge " + spec.bridge + " reconciled, " +
                          std::to_string(report.changes.size()) + " change(s)");
  return outcome;
}

// stopped: remove what this network owns; libvirt ignores the status.
Outcome Stopped(const NetworkSpec& spec, const Config& config) {
  const Deadline deadline = Deadline::After(config.timeout);
  ovs::OvsdbClient client = Connect(config, deadline);
  ovs::ReconcileReport report = ovs::Teardown(client, spec.name, spec.bridge, deadline);
  Outcome outcome;
  outcome.notes = report.changes;
  return outcome;
}

}  // namespace

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

Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text, const Config& config) {
  if (args.size() < 3)
    return {2, "usage: vxnet-hook NETWORK OPERATION SUB-OPERATION - (as libvirt calls it; see vxnet-hook --help)", {}};
  const Operation op = ParseOperation(args[1]);
  // An operation a newer libvirt invented must not break its networks.
  if (op == Operation::kUnknown) return {};
  const int failure = FailureAborts(op) ? 1 : 0;

  HookData data;
  try {
    data = ParseHookData(stdin_text);
  } catch (const Error& e) {
    return {failure, std::string("vxnet: ") + e.what(), {}};
  }
  if (!data.network.managed()) return {};  // not ours: touch nothing

  std::vector<Error> errors = ValidateNetwork(data.network);
  if (!errors.empty()) return {failure, std::string("vxnet: ") + errors.front().what(), {}};
  try {
    switch (op) {
      case Operation::kStart:
        return Start(*data.network.spec, config);
      case Operation::kStopped:
        return Stopped(*data.network.spec, config);
      default:
        return {};
    }
  } catch (const Error& e) {
    return {failure, std::string("vxnet: ") + e.what(), {}};
  }
}

}  // namespace vxnet::hook
