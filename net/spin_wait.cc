#include "net/spin_wait.h"

#include <chrono>
#include <thread>

namespace troupe {

int SpinThenWait(int epoll_fd, epoll_event* events, int size, int timeout_ms) {
  constexpr std::chrono::microseconds kSpin{100};
  const auto spin_until = std::chrono::steady_clock::now() + kSpin;
  int count = 0;
  do {
    count = epoll_wait(epoll_fd, events, size, 0);
    if (count == 0) std::this_thread::yield();
  } while (count == 0 && std::chrono::steady_clock::now() < spin_until);
  if (count != 0) return count;
  return epoll_wait(epoll_fd, events, size, timeout_ms);
}

}  // namespace troupe
