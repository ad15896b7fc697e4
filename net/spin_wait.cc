#include "net/spin_wait.h"

#include <chrono>
#include <thread>

namespace troupe {

namespace {

constexpr std::chrono::microseconds kSpin{100};

// Calls `wait(0)` until it returns non-zero or kSpin passes, yielding between
// calls; then `wait(timeout_ms)`. Without a timeout, `wait(0)` once.
template <class Wait>
int Spin(const Wait& wait, int timeout_ms) {
  if (timeout_ms == 0) return wait(0);
  const auto spin_until = std::chrono::steady_clock::now() + kSpin;
  int count = 0;
  do {
    count = wait(0);
    if (count == 0) std::this_thread::yield();
  } while (count == 0 && std::chrono::steady_clock::now() < spin_until);
  if (count != 0) return count;
  return wait(timeout_ms);
}

}  // namespace

int SpinThenWait(int epoll_fd, epoll_event* events, int size, int timeout_ms) {
  return Spin([&](int ms) { return epoll_wait(epoll_fd, events, size, ms); },
              timeout_ms);
}

int SpinThenPoll(pollfd* fd, int timeout_ms) {
  return Spin([&](int ms) { return poll(fd, 1, ms); }, timeout_ms);
}

}  // namespace troupe
