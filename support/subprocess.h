// A child process started with posix_spawn(3), and its exit: waited for on a
// pidfd with poll(2), always up to a deadline and never by sleeping.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "support/deadline.h"

namespace troupe::support {

// The descriptors a child gets as its stdin, stdout and stderr; kInherit
// passes the parent's own.
struct StdioFds {
  static constexpr int kInherit = -1;
  int in = kInherit;
  int out = kInherit;
  int err = kInherit;
};

class Subprocess {
 public:
  // Runs argv[0] (a path) with `argv`: its standard streams from `stdio`,
  // every other descriptor closed, every signal unblocked and at its default
  // disposition. Check started().
  Subprocess(const std::vector<std::string>& argv, StdioFds stdio);
  // Kills (SIGKILL) a child still running and reaps it.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Readable once the child has exited, for a poll(2) that also waits for
  // something else.
  int exit_fd() const { return pidfd_; }

  // True while the child has not exited (reaps it if it has).
  bool Running();
  // Sends `signal_number` unless the child has exited.
  void Signal(int signal_number);
  // Waits until the child exits or `deadline` passes; its wait status
  // (waitpid(2)) if it exited.
  std::optional<int> WaitExit(Deadline deadline);
  // Sends `signal_number` and waits until `deadline`, then sends SIGKILL and
  // waits a little longer. Returns the wait status, or -1 if it never exited.
  int Stop(int signal_number, Deadline deadline);

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> status_;
};

}  // namespace troupe::support
