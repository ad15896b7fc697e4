// TaskStatus: what a task says about itself when asked `status`: its device,
// its incarnation (which start of the task this is) and how long it has run.
#pragma once

#include <cstdint>
#include <string>

namespace troupe {

struct TaskStatus {
  // "/job:J/task:T".
  std::string device;
  // Drawn anew at every start of the task: 64 random bits from the kernel
  // (getrandom), never 0. Two starts on one address share one with odds of
  // 2^-64, so a client that sees another incarnation knows the task
  // restarted and its resources are not the ones it used.
  uint64_t incarnation = 0;
  // Milliseconds since this incarnation started.
  int64_t uptime_ms = 0;
  // How often `troupe up` restarted the task (TROUPE_RESTARTS); -1 when it
  // runs on its own.
  int64_t restarts = -1;
  // The checkpoint this incarnation restored last (empty: none) and when that
  // checkpoint was saved.
  std::string restored_prefix;
  int64_t restored_time_unix_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskStatus& x) {
  return f(x.device, x.incarnation, x.uptime_ms, x.restarts, x.restored_prefix,
           x.restored_time_unix_ms);
}

// An incarnation as users see it: 16 lowercase hexadecimal digits.
std::string FormatIncarnation(uint64_t incarnation);

}  // namespace troupe
