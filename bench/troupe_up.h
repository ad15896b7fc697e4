// A `troupe up` over a one-task cluster (/job:ps/task:0) on a free loopback
// port, every line it prints kept with the time it arrived, for scenario 6.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

#include "bench/bench_util.h"

namespace troupe::bench {

class TroupeUp {
 public:
  // A line of up's output (its own "[up] …" and its task's "[ps:0] …") and
  // when this process read it (NowNs).
  struct Line {
    int64_t time_ns = 0;
    std::string text;
  };

  // Writes a spec on a free port into `work_dir` and runs `troupe up
  // --cluster SPEC FLAGS...`; returns once the task serves (its port
  // listens), which may take `timeout` when it restores a checkpoint first.
  static absl::StatusOr<std::unique_ptr<TroupeUp>> Start(
      const std::string& troupe_binary, const std::string& work_dir,
      const std::vector<std::string>& flags, std::chrono::milliseconds timeout);
  // Kills up with SIGKILL, so that its task dies with it without saving a
  // checkpoint at stop, and waits until the task is gone.
  ~TroupeUp();
  TroupeUp(const TroupeUp&) = delete;
  TroupeUp& operator=(const TroupeUp&) = delete;

  const std::string& target() const { return target_; }
  // The pid of the task's latest start, from up's "started"/"restarted" line.
  pid_t task_pid() const;
  // How many lines arrived so far.
  size_t lines() const;
  // The first line at index `from` or later that starts with `prefix`;
  // DEADLINE_EXCEEDED past `timeout`, UNAVAILABLE once up's output ended.
  absl::StatusOr<Line> Await(const std::string& prefix, size_t from,
                             std::chrono::milliseconds timeout) const;

 private:
  TroupeUp() = default;
  void Collect();

  std::unique_ptr<Child> up_;
  std::string target_;
  std::string spec_path_;
  std::thread reader_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<Line> lines_;
  bool ended_ = false;
};

}  // namespace troupe::bench
