// What every benchmark of bench/ needs and none of the product does: clocks
// and statistics, /proc readings, the expected lines of child processes (from
// support/), bounded retries, incompressible bytes, and a real `troupe task`
// process on a generated cluster spec.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "support/child.h"

namespace troupe::bench {

// Nanoseconds on CLOCK_MONOTONIC: comparable between processes of one host.
int64_t NowNs();
double Seconds(int64_t from_ns, int64_t to_ns);

// The q-quantile (0..1) of `samples` (nearest rank); 0 if empty.
double Quantile(std::vector<double> samples, double q);
double Median(std::vector<double> samples);

// VmRSS and VmHWM (its peak; bytes) and Threads of a process, from
// /proc/PID/status.
struct ProcStatus {
  int64_t rss_bytes = 0;
  int64_t peak_rss_bytes = 0;
  int64_t threads = 0;
};
absl::StatusOr<ProcStatus> ReadProcStatus(pid_t pid);

// A child process spoken to by lines over pipes.
using support::Child;

// Reads the next line of `child` and checks that it starts with `prefix`;
// returns the rest.
absl::StatusOr<std::string> ExpectLine(Child& child, const std::string& prefix,
                                       std::chrono::milliseconds timeout);

// A cluster spec of one task, /job:ps/task:0, on a free loopback port,
// written into `dir` as NAME-PORT.json.
struct OneTaskSpec {
  std::string target;  // "127.0.0.1:PORT"
  std::string path;
};
absl::StatusOr<OneTaskSpec> WriteOneTaskSpec(const std::string& dir,
                                             const std::string& name);

// One `troupe task` process serving /job:ps/task:0 of a one-task cluster on a
// free loopback port, with `flags` added to its command line. Ready when Start
// returns: the task printed that it serves, which it does once its port
// listens.
class TroupeTask {
 public:
  static absl::StatusOr<std::unique_ptr<TroupeTask>> Start(
      const std::string& troupe_binary, const std::string& work_dir,
      const std::vector<std::string>& flags = {});
  ~TroupeTask();

  const std::string& target() const { return target_; }
  pid_t pid() const { return child_->pid(); }

 private:
  TroupeTask() = default;
  std::unique_ptr<Child> child_;
  std::string target_;
  std::string spec_path_;
};

// Calls `attempt` until it returns true, pausing `interval` after each
// failure, as a client retrying a server that is coming back; false once
// `deadline` passed.
bool RetryUntil(const std::function<bool()>& attempt,
                std::chrono::milliseconds interval,
                std::chrono::steady_clock::time_point deadline);

// `bytes` pseudo-random bytes (xorshift64): as incompressible as trained
// float weights, so that no peer stores them smaller than they are.
std::vector<char> IncompressibleBytes(size_t bytes);

// The path of this executable (for re-running it in a child role).
std::string SelfPath();

}  // namespace troupe::bench
