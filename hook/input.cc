#include "hook/input.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace vxnet::hook {

HookInput ReadHookInput(int fd, const Deadline& deadline, std::size_t cap) {
  HookInput in;
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, deadline.poll_timeout_ms());
    if (ready == 0) {
      in.timed_out = true;
      return in;
    }
    if (ready < 0 && errno == EINTR) continue;
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      in.complete = n == 0;
      return in;
    }
    if (in.text.size() + static_cast<std::size_t>(n) > cap) {
      in.oversize = true;
      return in;
    }
    in.text.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace vxnet::hook
