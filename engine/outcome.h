#pragma once
// What one operation did, as plain data: the hook turns it into an exit
// status, the one stderr line libvirt shows the user and a log line;
// vxnetctl into its output. Nothing else here knows about processes.
#include <string>
#include <vector>

namespace vxnet::engine {

struct Outcome {
  int exit_status = 0;
  std::string message;  // the stderr line; empty when there is nothing to say
  std::vector<std::string> changes;   // what was changed (log, stdout)
  std::vector<std::string> warnings;  // logged at warn level
  std::vector<std::string> notes;     // logged at info level: why nothing was done
  bool managed = false;               // false: not vxnet's, nothing touched
  std::string phases;                 // "mtu=1.2ms reconcile=20.1ms …", logged at debug

  bool ok() const { return exit_status == 0 && message.empty(); }
};

// An outcome that only refuses (or, with status 0, only reports).
inline Outcome Refusal(int exit_status, std::string message, bool managed) {
  Outcome o;
  o.exit_status = exit_status;
  o.message = std::move(message);
  o.managed = managed;
  return o;
}

}  // namespace vxnet::engine
