#pragma once
// What one operation did, as plain data: the hook turns it into an exit
// status, the one stderr line libvirt shows the user and a log line;
// vxnetctl into its output. Nothing else here knows about processes.
#include <exception>
#include <string>
#include <vector>

#include "common/error.h"

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

// Runs `body`; whatever it throws becomes a refusal, so no exception of any
// type leaves the engine.
template <typename Body>
Outcome Guarded(Body body) {
  try {
    return body();
  } catch (const Error& e) {
    return Refusal(1, std::string("vxnet: ") + e.what(), true);
  } catch (const std::exception& e) {
    return Refusal(1, std::string("vxnet: internal error: ") + Printable(e.what(), 200) + " (please report it)", true);
  } catch (...) {
    return Refusal(1, "vxnet: internal error: unknown exception (please report it)", true);
  }
}

}  // namespace vxnet::engine
