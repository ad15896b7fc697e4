// Logger: lines to a descriptor (a task's stdout) whose callers never block:
// a bounded queue, a writer thread whose writes never block, a rate limit per
// source, and every line capped and escaped.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"

#include "base/log_level.h"

namespace troupe {

struct LoggerOptions {
  // Where lines go; not closed by the logger.
  int fd = 1;
  // The bytes of the lines queued and not yet written, at most; a line that
  // does not fit is dropped and counted ("[log] N lines dropped" follows the
  // lines written before room returned).
  size_t queue_bytes = size_t{1} << 20;
  // A longer line is cut there: "… (N bytes cut)".
  size_t max_line_bytes = 1024;
  // Each source may log `burst` lines at once and `lines_per_second` lines
  // after that; the lines past it are counted ("[log] N lines from SOURCE
  // suppressed" follows once the source may log again).
  double lines_per_second = 50;
  double burst = 200;
  // Put before the logger's own lines, e.g. "troupe task /job:ps/task:0: ".
  std::string notice_prefix;
  // Lines below this level are not written (nor counted).
  LogLevel min_level = LogLevel::kInfo;
  // How long the destructor still writes queued lines while the descriptor
  // takes them; it never waits on a descriptor that takes nothing more.
  std::chrono::milliseconds stop_grace{250};
  // The rate limit's clock; tests replace it.
  std::function<std::chrono::steady_clock::time_point()> now =
      std::chrono::steady_clock::now;
};

class Logger {
 public:
  // Starts the writer thread (with every signal blocked in it). Lines go
  // nowhere if `options.fd` is not open.
  explicit Logger(LoggerOptions options = {});
  // Writes what is queued for as long as the descriptor takes it without
  // waiting, and at most `stop_grace`, then stops the writer.
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Queues `line` (escaped and capped, a newline added; a warning, error or
  // debug line begins with "warning: ", "error: " or "debug: ") unless
  // `level` is below min_level, `source` is over its rate or the queue is
  // full. Never waits on the descriptor; any thread.
  void Log(LogLevel level, absl::string_view source, absl::string_view line);

  // Lines dropped because the queue was full, and lines suppressed by the
  // rate limit, since the start.
  uint64_t dropped() const;
  uint64_t suppressed() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
    uint64_t suppressed = 0;  // since its last notice
  };

  // Takes a token of `bucket` after refilling it; false if there is none.
  bool TakeToken(Bucket& bucket);
  // Queues `entry` (a whole line), after the notice of lines dropped before
  // it; false (counted) if they do not fit.
  bool Enqueue(std::string entry);
  void Wake();
  void Run();
  // Moves queued lines and due notices into `batch`; with mutex_ held.
  void TakeBatch(std::string& batch);
  // Writes from `batch` at `offset` without waiting; false on EAGAIN.
  bool WriteSome(const std::string& batch, size_t& offset);

  const LoggerOptions options_;
  int out_fd_ = -1;  // options_.fd, or a non-blocking copy of it
  bool own_out_fd_ = false;
  bool socket_ = false;
  int wake_fd_ = -1;

  mutable std::mutex mutex_;
  std::deque<std::string> queue_;
  // Bytes of queue_ and of the batch being written.
  size_t queued_bytes_ = 0;
  uint64_t dropped_since_notice_ = 0;
  uint64_t dropped_ = 0;
  uint64_t suppressed_ = 0;
  std::map<std::string, Bucket, std::less<>> buckets_;
  bool wake_pending_ = false;
  bool stopping_ = false;

  std::thread writer_;  // started by the constructor, once the rest is ready
};

// `text` as one line for a terminal: backslash, control bytes (C0, DEL and
// C1) and bytes that are not UTF-8 written as \xNN, cut after at most
// `max_bytes` bytes with "… (N bytes cut)" saying how many input bytes
// were left out. Reads at most as much of `text` as it writes.
std::string EscapeLine(absl::string_view text, size_t max_bytes);

}  // namespace troupe
