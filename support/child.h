// A child process whose stdin and stdout are pipes, spoken to line by line
// (its stderr is the parent's); every read and wait ends by a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "support/subprocess.h"

namespace troupe::support {

class Child {
 public:
  // Runs argv[0] (a path) with `argv`.
  static absl::StatusOr<std::unique_ptr<Child>> Spawn(
      const std::vector<std::string>& argv);
  ~Child();  // Kills (SIGKILL) and reaps a child still running.
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return process_.pid(); }
  // The next line of its stdout, without the newline; DEADLINE_EXCEEDED past
  // `timeout`, UNAVAILABLE at end of file.
  absl::StatusOr<std::string> ReadLine(std::chrono::milliseconds timeout);
  absl::Status WriteLine(const std::string& line);
  // Sends `signal` and waits up to `timeout` for the exit, then kills it
  // (SIGKILL). Returns the wait status, or -1 if it never exited.
  int Stop(int signal, std::chrono::milliseconds timeout);
  // Waits for the child to exit on its own: its wait status, or -1 past
  // `timeout` (then it is killed).
  int Wait(std::chrono::milliseconds timeout);

 private:
  Child(const std::vector<std::string>& argv, StdioFds stdio);

  Subprocess process_;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

}  // namespace troupe::support
