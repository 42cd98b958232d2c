#pragma once
// A point in time every wait must respect. libvirt waits for its hook
// forever while holding the network lock, so the hook bounds every connect,
// read, write and poll by one Deadline passed down explicitly.
#include <algorithm>
#include <chrono>

namespace vxnet {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  static Deadline After(std::chrono::milliseconds budget) { return Deadline(Clock::now() + budget, budget); }

  // The budget this deadline was made with, for messages ("within 10000 ms").
  std::chrono::milliseconds budget() const { return budget_; }

  bool expired() const { return Clock::now() >= at_; }
  std::chrono::milliseconds remaining() const {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(at_ - Clock::now()));
  }
  // For poll(2): at least 0, and rounded up so a 0.4 ms remainder still waits.
  int poll_timeout_ms() const {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(at_ - Clock::now()).count();
    return us <= 0 ? 0 : static_cast<int>(std::min<long long>((us + 999) / 1000, 1 << 30));
  }
  // `Since(start, budget)`: a deadline counted from an earlier moment (the
  // process start), so time spent before it was made counts too.
  static Deadline Since(Clock::time_point start, std::chrono::milliseconds budget) {
    return Deadline(start + budget, budget);
  }
  // This deadline moved `reserve` earlier (the budget shrinks alike).
  Deadline Before(std::chrono::milliseconds reserve) const {
    const auto budget = std::max(std::chrono::milliseconds(0), budget_ - reserve);
    return Deadline(at_ - reserve, budget);
  }
  // The earlier of this deadline and `budget` from now.
  Deadline Within(std::chrono::milliseconds budget) const {
    const auto now = Clock::now();
    return now + budget < at_ ? Deadline(now + budget, budget) : *this;
  }

 private:
  Deadline(Clock::time_point at, std::chrono::milliseconds budget) : at_(at), budget_(budget) {}
  Clock::time_point at_;
  std::chrono::milliseconds budget_;
};

}  // namespace vxnet
