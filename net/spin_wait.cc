#include "net/spin_wait.h"

#include <algorithm>
#include <thread>

namespace troupe {

namespace {

// Calls `wait(0)` until it returns non-zero or `spin` passes, yielding
// between calls; then `wait(timeout_ms)`. Without a timeout, `wait(0)` once.
// Tells `policy`, if any, how long the wait took.
template <class Wait>
int Spin(std::chrono::nanoseconds spin, SpinPolicy* policy, const Wait& wait,
         int timeout_ms) {
  if (timeout_ms == 0) return wait(0);
  const auto start = std::chrono::steady_clock::now();
  const auto spin_until = start + spin;
  int count = 0;
  do {
    count = wait(0);
    if (count == 0) std::this_thread::yield();
  } while (count == 0 && std::chrono::steady_clock::now() < spin_until);
  if (count == 0) count = wait(timeout_ms);
  if (policy == nullptr) return count;
  if (count > 0) {
    policy->Waited(std::chrono::steady_clock::now() - start);
  } else {
    policy->TimedOut();
  }
  return count;
}

}  // namespace

std::chrono::nanoseconds SpinPolicy::spin() const {
  if (typical_ > kLongestSpin) return kShortSpin;
  return std::clamp(typical_ * 3 / 2, kShortSpin, kLongestSpin);
}

void SpinPolicy::Waited(std::chrono::nanoseconds how_long) {
  typical_ += (std::min(how_long, kLongWait) - typical_) / 4;
}

int SpinThenWait(int epoll_fd, epoll_event* events, int size, int timeout_ms) {
  return Spin(
      SpinPolicy::kShortSpin, nullptr,
      [&](int ms) { return epoll_wait(epoll_fd, events, size, ms); },
      timeout_ms);
}

bool SpinUntil(const std::atomic<bool>& flag, std::chrono::nanoseconds spin) {
  const auto spin_until = std::chrono::steady_clock::now() + spin;
  while (!flag.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() >= spin_until) return false;
    std::this_thread::yield();
  }
  return true;
}

int SpinThenPoll(SpinPolicy& policy, pollfd* fd, int timeout_ms) {
  return Spin(
      policy.spin(), &policy, [&](int ms) { return poll(fd, 1, ms); },
      timeout_ms);
}

}  // namespace troupe
