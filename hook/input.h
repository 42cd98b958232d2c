#pragma once
// The hook's stdin, read within the run's deadline and up to a size cap:
// a writer that never closes, or sends without end, cannot hang the hook or
// exhaust memory. What was read is only the start of the input unless
// `complete`.
#include <string>

#include "common/deadline.h"

namespace vxnet::hook {

// libvirt accepts network definitions far above a megabyte (tens of
// thousands of portgroups): the cap is for runaway input, not for them.
inline constexpr std::size_t kMaxHookInputBytes = 64u << 20;

struct HookInput {
  std::string text;
  bool complete = false;   // end of file reached
  bool timed_out = false;  // the deadline passed first
  bool oversize = false;   // more than the cap
};

HookInput ReadHookInput(int fd, const Deadline& deadline, std::size_t cap = kMaxHookInputBytes);

}  // namespace vxnet::hook
