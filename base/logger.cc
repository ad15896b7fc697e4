#include "base/logger.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace troupe {
namespace {

// The writer moves at most this much of the queue into one batch.
constexpr size_t kBatchBytes = 64 * 1024;
// How often the writer looks whether a suppressed source may log again.
constexpr int kNoticeCheckMillis = 1000;

// The length of the UTF-8 sequence at text[i] if it is valid and not a C1
// control character (U+0080..U+009F, which terminals may obey), else 0.
size_t PrintableSequence(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char lead = byte(i);
  size_t length = 0;
  uint32_t code = 0;
  uint32_t smallest = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
    smallest = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
    smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
    smallest = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  for (size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(i + k);
    if ((next & 0xC0) != 0x80) return 0;
    code = code << 6 | (next & 0x3F);
  }
  if (code < smallest || code > 0x10FFFF ||
      (code >= 0xD800 && code <= 0xDFFF) || code < 0xA0) {
    return 0;
  }
  return length;
}

std::string Lines(uint64_t count) {
  return absl::StrCat(count, count == 1 ? " line" : " lines");
}

}  // namespace

std::string EscapeLine(absl::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    bool escape = c < 0x20 || c == 0x7F || c == '\\';
    if (c >= 0x80) {
      length = PrintableSequence(text, i);
      escape = length == 0;
      if (escape) length = 1;
    }
    const size_t width = escape ? 4 : length;
    if (out.size() + width > max_bytes) break;
    if (escape) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out.append(text.data() + i, length);
    }
    i += length;
  }
  if (i < text.size()) {
    absl::StrAppend(&out, "\xE2\x80\xA6 (", text.size() - i, " bytes cut)");
  }
  return out;
}

Logger::Logger(LoggerOptions options) : options_(std::move(options)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct stat status;
  if (wake_fd_ < 0 || fstat(options_.fd, &status) != 0) return;
  if (S_ISSOCK(status.st_mode)) {
    socket_ = true;
    out_fd_ = options_.fd;
  } else if (S_ISREG(status.st_mode) ||
             (fcntl(options_.fd, F_GETFL) & O_NONBLOCK) != 0) {
    out_fd_ = options_.fd;
  } else {
    // A pipe or a terminal: a description of its own, so that O_NONBLOCK does
    // not change the one this process shares with its parent. Without /proc,
    // the shared one is made non-blocking.
    out_fd_ = open(absl::StrCat("/proc/self/fd/", options_.fd).c_str(),
                   O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    own_out_fd_ = out_fd_ >= 0;
    if (!own_out_fd_) {
      out_fd_ = options_.fd;
      fcntl(out_fd_, F_SETFL, fcntl(out_fd_, F_GETFL) | O_NONBLOCK);
    }
  }
  // The writer takes no signal: a task's SIGINT and SIGTERM go to its
  // sigwait, and a reader that went away is an EPIPE, not a SIGPIPE.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  writer_ = std::thread(&Logger::Run, this);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

Logger::~Logger() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  if (writer_.joinable()) {
    eventfd_write(wake_fd_, 1);
    writer_.join();
  }
  if (own_out_fd_) close(out_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

void Logger::Log(LogLevel level, absl::string_view source,
                 absl::string_view line) {
  if (level < options_.min_level) return;
  std::string entry =
      level == LogLevel::kInfo ? "" : absl::StrCat(LogLevelName(level), ": ");
  entry += EscapeLine(line, options_.max_line_bytes);
  entry += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  auto bucket = buckets_.find(source);
  if (bucket == buckets_.end()) {
    bucket = buckets_
                 .emplace(std::string(source),
                          Bucket{options_.burst, options_.now(), 0})
                 .first;
  }
  if (!TakeToken(bucket->second)) {
    ++bucket->second.suppressed;
    ++suppressed_;
    return;
  }
  if (bucket->second.suppressed > 0) {
    entry = absl::StrCat(options_.notice_prefix, "[log] ",
                         Lines(bucket->second.suppressed), " from ",
                         bucket->first, " suppressed\n", entry);
  }
  if (!Enqueue(std::move(entry))) return;
  bucket->second.suppressed = 0;
  Wake();
}

uint64_t Logger::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

uint64_t Logger::suppressed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return suppressed_;
}

bool Logger::TakeToken(Bucket& bucket) {
  const auto now = options_.now();
  if (now > bucket.last) {
    const double elapsed =
        std::chrono::duration<double>(now - bucket.last).count();
    bucket.tokens = std::min(
        options_.burst, bucket.tokens + elapsed * options_.lines_per_second);
    bucket.last = now;
  }
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

bool Logger::Enqueue(std::string entry) {
  if (!writer_.joinable()) {
    ++dropped_;
    return false;
  }
  if (dropped_since_notice_ > 0) {
    entry = absl::StrCat(options_.notice_prefix, "[log] ",
                         Lines(dropped_since_notice_), " dropped\n", entry);
  }
  if (queued_bytes_ + entry.size() > options_.queue_bytes) {
    ++dropped_since_notice_;
    ++dropped_;
    return false;
  }
  dropped_since_notice_ = 0;
  queued_bytes_ += entry.size();
  queue_.push_back(std::move(entry));
  return true;
}

void Logger::Wake() {
  if (wake_pending_) return;
  wake_pending_ = true;
  eventfd_write(wake_fd_, 1);
}

void Logger::TakeBatch(std::string& batch) {
  while (!queue_.empty() && batch.size() < kBatchBytes) {
    batch += queue_.front();
    queue_.pop_front();
  }
  if (!queue_.empty()) return;
  if (dropped_since_notice_ > 0) {
    const std::string notice =
        absl::StrCat(options_.notice_prefix, "[log] ",
                     Lines(dropped_since_notice_), " dropped\n");
    dropped_since_notice_ = 0;
    queued_bytes_ += notice.size();
    batch += notice;
  }
  for (auto& [source, bucket] : buckets_) {
    if (bucket.suppressed == 0 || !TakeToken(bucket)) continue;
    // The notice takes no line of the source's rate.
    bucket.tokens += 1;
    const std::string notice =
        absl::StrCat(options_.notice_prefix, "[log] ", Lines(bucket.suppressed),
                     " from ", source, " suppressed\n");
    bucket.suppressed = 0;
    queued_bytes_ += notice.size();
    batch += notice;
  }
}

bool Logger::WriteSome(const std::string& batch, size_t& offset) {
  const char* data = batch.data() + offset;
  const size_t size = batch.size() - offset;
  const ssize_t written =
      socket_ ? send(out_fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL)
              : write(out_fd_, data, size);
  if (written > 0) {
    offset += written;
    return true;
  }
  if (written < 0 && errno == EINTR) return true;
  if (written == 0 || errno == EAGAIN || errno == EWOULDBLOCK) return false;
  // Nobody can read these lines any more (EPIPE, EBADF, ...): they go
  // nowhere, and the SIGPIPE this thread may have raised is taken back.
  offset = batch.size();
  if (errno == EPIPE) {
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    const timespec now{0, 0};
    sigtimedwait(&pipe_signal, nullptr, &now);
  }
  return true;
}

void Logger::Run() {
  using Clock = std::chrono::steady_clock;
  std::string batch;
  size_t offset = 0;
  Clock::time_point give_up = Clock::time_point::max();
  while (true) {
    eventfd_t ignored;
    eventfd_read(wake_fd_, &ignored);
    bool stopping = false;
    bool notices_due = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      wake_pending_ = false;
      if (offset == batch.size()) {
        queued_bytes_ -= batch.size();
        batch.clear();
        offset = 0;
        TakeBatch(batch);
      }
      stopping = stopping_;
      for (const auto& entry : buckets_) {
        notices_due = notices_due || entry.second.suppressed > 0;
      }
    }
    bool blocked = false;
    while (offset < batch.size() && !blocked) {
      blocked = !WriteSome(batch, offset);
    }
    if (!blocked && !batch.empty()) continue;  // take the next batch
    int timeout = notices_due ? kNoticeCheckMillis : -1;
    if (stopping) {
      if (!blocked) return;
      const auto now = Clock::now();
      if (give_up == Clock::time_point::max())
        give_up = now + options_.stop_grace;
      if (now >= give_up) return;
      timeout = static_cast<int>(
          std::chrono::ceil<std::chrono::milliseconds>(give_up - now).count());
    }
    pollfd fds[2] = {{wake_fd_, POLLIN, 0},
                     {blocked ? out_fd_ : -1, POLLOUT, 0}};
    poll(fds, 2, timeout);
  }
}

}  // namespace troupe
