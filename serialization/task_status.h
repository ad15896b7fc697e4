// TaskStatus: what a task says about itself when asked `status`: its device,
// its incarnation (which start of the task this is), how long it has run,
// its memory and what its wire has carried.
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
  // The task process's resident memory (-1: unknown).
  int64_t resident_bytes = -1;
  // Its wire: connections open now, and bytes and frames received and sent
  // since it started (handshakes count as bytes, not frames).
  int64_t connections = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  // Bytes of tensor segments received and sent through shared memory
  // (memfds over the task's Unix socket) since it started.
  uint64_t shared_bytes_in = 0;
  uint64_t shared_bytes_out = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskStatus& x) {
  return f(x.device, x.incarnation, x.uptime_ms, x.restarts, x.restored_prefix,
           x.restored_time_unix_ms, x.resident_bytes, x.connections, x.bytes_in,
           x.bytes_out, x.frames_in, x.frames_out, x.shared_bytes_in,
           x.shared_bytes_out);
}

// An incarnation as users see it: 16 lowercase hexadecimal digits.
std::string FormatIncarnation(uint64_t incarnation);

}  // namespace troupe
