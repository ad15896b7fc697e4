// What every benchmark of bench/ needs and none of the product does: clocks
// and statistics, free loopback ports, child processes that talk over pipes,
// /proc readings, and a real `troupe task` process on a generated cluster spec.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace troupe::bench {

// Nanoseconds on CLOCK_MONOTONIC: comparable between processes of one host.
int64_t NowNs();
double Seconds(int64_t from_ns, int64_t to_ns);

// The q-quantile (0..1) of `samples` (nearest rank); 0 if empty.
double Quantile(std::vector<double> samples, double q);
double Median(std::vector<double> samples);

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<uint16_t> FreeLoopbackPort();

// VmRSS (bytes) and Threads of a process, from /proc/PID/status.
struct ProcStatus {
  int64_t rss_bytes = 0;
  int64_t threads = 0;
};
absl::StatusOr<ProcStatus> ReadProcStatus(pid_t pid);

// A child process with its stdin and stdout on pipes (stderr is inherited).
class Child {
 public:
  // Runs argv[0] (a path) with `argv`. `capture_stdout` false sends its
  // output to /dev/null.
  static absl::StatusOr<std::unique_ptr<Child>> Spawn(
      const std::vector<std::string>& argv, bool capture_stdout = true);
  ~Child();  // Kills (SIGKILL) and reaps a child still running.
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // The next line of its stdout, without the newline; DEADLINE_EXCEEDED past
  // `timeout`, UNAVAILABLE at end of file.
  absl::StatusOr<std::string> ReadLine(std::chrono::milliseconds timeout);
  absl::Status WriteLine(const std::string& line);
  // Sends `signal` and waits (up to `timeout`, then SIGKILL) for the exit.
  // Returns the exit status as waitpid reports it.
  int Stop(int signal, std::chrono::milliseconds timeout);
  // Waits for the child to exit on its own; -1 past `timeout` (then killed).
  int Wait(std::chrono::milliseconds timeout);

 private:
  Child() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool exited_ = false;
  int status_ = 0;
};

// Reads the next line of `child` and checks that it starts with `prefix`;
// returns the rest.
absl::StatusOr<std::string> ExpectLine(Child& child, const std::string& prefix,
                                       std::chrono::milliseconds timeout);

// One `troupe task` process serving /job:ps/task:0 of a one-task cluster on a
// free loopback port. Ready when Start returns: the task printed that it
// serves and answered a request.
class TroupeTask {
 public:
  static absl::StatusOr<std::unique_ptr<TroupeTask>> Start(
      const std::string& troupe_binary, const std::string& work_dir);
  ~TroupeTask();

  const std::string& target() const { return target_; }
  pid_t pid() const { return child_->pid(); }

 private:
  TroupeTask() = default;
  std::unique_ptr<Child> child_;
  std::string target_;
  std::string spec_path_;
};

// The path of this executable (for re-running it in a child role).
std::string SelfPath();

}  // namespace troupe::bench
