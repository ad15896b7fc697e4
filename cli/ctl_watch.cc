#include "cli/ctl_watch.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

#include "serialization/queue_spec.h"

namespace troupe::cli {
namespace {

constexpr int kBarWidth = 20;

std::string Bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? absl::StrFormat("%.0f B", bytes)
                   : absl::StrFormat("%.1f %s", bytes, units[unit]);
}

// "5/10 [##########..........]".
std::string Fill(int64_t size, int64_t capacity) {
  const int64_t filled =
      capacity <= 0
          ? 0
          : std::min<int64_t>(kBarWidth,
                              (size * kBarWidth + capacity - 1) / capacity);
  return absl::StrCat(
      size, "/", capacity, " [", std::string(static_cast<size_t>(filled), '#'),
      std::string(static_cast<size_t>(kBarWidth - filled), '.'), "]");
}

const ResourceInfo* Find(const std::vector<TaskStats>& tasks,
                         const std::string& device, const ResourceInfo& info) {
  for (const TaskStats& task : tasks) {
    if (task.device != device || !task.up.ok()) continue;
    for (const ResourceInfo& other : task.resources) {
      if (other.container == info.container && other.name == info.name &&
          other.is_variable == info.is_variable &&
          other.reader_kind == info.reader_kind &&
          other.runner_state.empty() == info.runner_state.empty()) {
        return &other;
      }
    }
  }
  return nullptr;
}

const TaskStats* Find(const std::vector<TaskStats>& tasks,
                      const std::string& device) {
  for (const TaskStats& task : tasks) {
    if (task.device == device && task.up.ok()) return &task;
  }
  return nullptr;
}

// "12.5/s", or "-/s" without an earlier count of the same incarnation.
std::string Rate(std::optional<double> delta, absl::Duration elapsed) {
  if (!delta || *delta < 0 || elapsed <= absl::ZeroDuration()) return "-/s";
  return absl::StrFormat("%.1f/s", *delta / absl::ToDoubleSeconds(elapsed));
}

std::string TaskLine(const TaskStats& task, const TaskStats* before,
                     absl::Duration elapsed) {
  if (!task.up.ok()) {
    return absl::StrCat(task.device, " DOWN: ", task.up.ToString());
  }
  const TaskStatus& s = task.status;
  // Counters start again with a new incarnation: no rate across it.
  const bool same = before && before->status.incarnation == s.incarnation;
  auto byte_rate = [&](uint64_t now, uint64_t then) {
    if (!same || elapsed <= absl::ZeroDuration()) return std::string("-/s");
    return Bytes(static_cast<double>(now - then) /
                 absl::ToDoubleSeconds(elapsed)) +
           "/s";
  };
  return absl::StrFormat(
      "%s up %.1fs, %d connections, %s resident, in %s, out %s", task.device,
      static_cast<double>(s.uptime_ms) / 1000, s.connections,
      s.resident_bytes < 0 ? std::string("?")
                           : Bytes(static_cast<double>(s.resident_bytes)),
      byte_rate(s.bytes_in, same ? before->status.bytes_in : 0),
      byte_rate(s.bytes_out, same ? before->status.bytes_out : 0));
}

std::string ResourceLine(const ResourceInfo& info, const ResourceInfo* before,
                         absl::Duration elapsed) {
  const std::string name = info.container.empty()
                               ? info.name
                               : absl::StrCat(info.container, "/", info.name);
  if (info.is_variable) {
    return absl::StrFormat("  variable %-16s %s%s", name,
                           Bytes(static_cast<double>(info.bytes_held)),
                           info.initialized ? "" : " (uninitialized)");
  }
  if (!info.runner_state.empty()) {
    return absl::StrFormat("  runner   %-16s %s into %s, %d steps", name,
                           info.runner_state, info.runner_target,
                           info.runner_steps);
  }
  if (!info.reader_kind.empty()) {
    return absl::StrFormat("  reader   %-16s %s, %d records, %d files", name,
                           info.reader_kind, info.records_produced,
                           info.work_units_completed);
  }
  auto delta = [&](int64_t now, int64_t then) -> std::optional<double> {
    if (!before) return std::nullopt;
    return static_cast<double>(now - then);
  };
  return absl::StrFormat(
      "  queue    %-16s %s in %s out %s, waiting %d enqueues %d dequeues%s",
      name, Fill(info.size, info.spec.capacity),
      Rate(delta(info.enqueued_total, before ? before->enqueued_total : 0),
           elapsed),
      Rate(delta(info.dequeued_total, before ? before->dequeued_total : 0),
           elapsed),
      info.waiting_enqueues, info.waiting_dequeues,
      info.closed ? ", closed" : "");
}

// The terminal's width, or 100 when stdout is not one.
int TerminalWidth() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 100;
}

bool WriteAll(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t count =
        write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return false;
    done += static_cast<size_t>(count);
  }
  return true;
}

volatile std::sig_atomic_t interrupted = 0;

void Interrupt(int) { interrupted = 1; }

// Keys arrive one by one and are not echoed while it lives (stdin a
// terminal); signals still work.
class KeyMode {
 public:
  KeyMode() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios keys = saved_;
    keys.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    keys.c_cc[VMIN] = 0;
    keys.c_cc[VTIME] = 0;
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &keys) == 0;
  }
  ~KeyMode() {
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  KeyMode(const KeyMode&) = delete;
  KeyMode& operator=(const KeyMode&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// Waits until `until` for a key: true when it was q.
bool QuitTyped(absl::Time until, bool& stdin_open) {
  while (!interrupted) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd in{STDIN_FILENO, POLLIN, 0};
    const int ready = poll(&in, stdin_open ? 1 : 0,
                           static_cast<int>(absl::ToInt64Milliseconds(
                               absl::Ceil(left, absl::Milliseconds(1)))));
    if (ready <= 0) continue;
    char key = 0;
    const ssize_t count = read(STDIN_FILENO, &key, 1);
    if (count == 0) stdin_open = false;  // The view goes on without keys.
    if (count == 1 && (key == 'q' || key == 'Q')) return true;
  }
  return true;
}

}  // namespace

std::string RenderWatch(const std::vector<TaskStats>& now,
                        const std::vector<TaskStats>& before,
                        absl::Duration elapsed, int width) {
  std::vector<std::string> lines;
  lines.push_back(absl::StrCat("troupe ctl watch: ", now.size(),
                               now.size() == 1 ? " task" : " tasks",
                               ", q quits"));
  for (const TaskStats& task : now) {
    const TaskStats* earlier = Find(before, task.device);
    lines.push_back(TaskLine(task, earlier, elapsed));
    if (!task.up.ok()) continue;
    const bool same_incarnation =
        earlier && earlier->status.incarnation == task.status.incarnation;
    for (const ResourceInfo& info : task.resources) {
      lines.push_back(ResourceLine(
          info, same_incarnation ? Find(before, task.device, info) : nullptr,
          elapsed));
    }
  }
  std::string screen;
  for (std::string& line : lines) {
    if (width > 0 && line.size() > static_cast<size_t>(width)) {
      line.resize(static_cast<size_t>(width));
    }
    absl::StrAppend(&screen, line, "\n");
  }
  return screen;
}

int RunWatch(const std::function<std::vector<TaskStats>()>& gather,
             absl::Duration interval) {
  struct sigaction stop {};
  stop.sa_handler = Interrupt;
  struct sigaction old_int {};
  struct sigaction old_term {};
  sigaction(SIGINT, &stop, &old_int);
  sigaction(SIGTERM, &stop, &old_term);
  bool stdin_open = true;
  {
    KeyMode keys;
    std::vector<TaskStats> before;
    absl::Time before_at = absl::InfinitePast();
    while (!interrupted) {
      std::vector<TaskStats> now = gather();
      const absl::Time at = absl::Now();
      // Home, clear, then the view.
      const std::string screen = absl::StrCat(
          "\x1b[H\x1b[2J",
          RenderWatch(now, before,
                      before.empty() ? absl::ZeroDuration() : at - before_at,
                      TerminalWidth()));
      if (!WriteAll(screen)) break;
      before = std::move(now);
      before_at = at;
      if (QuitTyped(at + interval, stdin_open)) break;
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  interrupted = 0;
  return 0;
}

}  // namespace troupe::cli
