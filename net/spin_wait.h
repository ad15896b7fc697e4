// SpinThenWait and SpinThenPoll: waits for a socket that poll briefly before
// they block, for the threads of the wire (a task's I/O thread, a client
// waiting for its reply); how long a client polls, its SpinPolicy says.
#pragma once

#include <poll.h>
#include <sys/epoll.h>

#include <atomic>
#include <chrono>

namespace troupe {

// How long a client waiting for its replies polls before it blocks. Waking a
// blocked thread costs more on a virtual machine than a task takes to
// answer, so it polls for 100 us; and while its recent waits were short
// (typically at most 500 us), for one and a half times as long as they
// typically took, up to 500 us: so that the wait for a durable queue's
// synced write (about 200 us) ends without a wake-up either. Long waits
// (parked dequeues, idle connections) bring it back to 100 us. Not
// thread-safe: one per waiting thread, or used under a lock.
class SpinPolicy {
 public:
  static constexpr std::chrono::nanoseconds kShortSpin =
      std::chrono::microseconds(100);
  static constexpr std::chrono::nanoseconds kLongestSpin =
      std::chrono::microseconds(500);

  std::chrono::nanoseconds spin() const;
  // Records how long a wait took until its socket was ready, or that it
  // timed out (a long wait).
  void Waited(std::chrono::nanoseconds how_long);
  void TimedOut() { Waited(kLongWait); }

 private:
  // What one wait counts for at most: enough to leave the short regime.
  static constexpr std::chrono::nanoseconds kLongWait = 2 * kLongestSpin;
  // A moving average of recent waits (each counting 1/4), starting long.
  std::chrono::nanoseconds typical_ = kLongWait;
};

// epoll_wait on `epoll_fd` that polls for 100 us before it blocks for up to
// `timeout_ms` (-1: no limit; 0: one look, no polling). Between polls it
// yields, so that the process's other threads get the CPU first. A task's
// I/O thread does not poll longer when requests come every few hundred us:
// on a busy task that time is its workers' (loading a TFRecord file went
// from 63-64% to 57-62% of the bare loop when it did).
int SpinThenWait(int epoll_fd, epoll_event* events, int size, int timeout_ms);

// Looks at `flag` until it is set or `spin` passes, yielding between looks;
// true if it was set.
bool SpinUntil(const std::atomic<bool>& flag, std::chrono::nanoseconds spin);

// poll() of one descriptor, polling as `policy` says before it blocks for up
// to `timeout_ms`, and telling `policy` how long it waited.
int SpinThenPoll(SpinPolicy& policy, pollfd* fd, int timeout_ms);

}  // namespace troupe
