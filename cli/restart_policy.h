// What `troupe up` does when one of its tasks exits: restart it after a
// back-off, leave it down, or give up on the whole cluster (OTP's intensity).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe::cli {

// --restart: which exits of a task are followed by a new start.
enum class RestartMode {
  kNo,         // none (a task that exits stays down)
  kOnFailure,  // an exit with a non-zero status or on a signal
  kAlways,     // every exit, a clean one too
};

// Parses "no", "on-failure" or "always".
absl::StatusOr<RestartMode> ParseRestartMode(const std::string& text);

struct RestartOptions {
  using Duration = std::chrono::steady_clock::duration;

  RestartMode mode = RestartMode::kOnFailure;
  // More than `max_restarts` restarts (of all tasks together, as an OTP
  // supervisor counts them) within `window` make up give up.
  int32_t max_restarts = 5;
  Duration window = std::chrono::seconds(60);
  // The first back-off; it doubles with each restart up to kMaxBackoff (or
  // itself, when larger).
  Duration initial_backoff = std::chrono::milliseconds(100);
};

// The exit status a task uses for a configuration error (bad flags, spec or
// TLS files): starting it again cannot help.
inline constexpr int kConfigurationErrorStatus = 2;

// The back-off never grows past this (unless the first one is larger).
inline constexpr std::chrono::seconds kMaxBackoff{10};
// A task that served this long before it exited starts its back-off over.
inline constexpr std::chrono::seconds kBackoffResetAfter{30};

// One task's exit that up did not ask for (up signals its tasks only to stop
// them all, and then asks no policy).
struct TaskExit {
  int wait_status = 0;                           // as waitpid(2) reports it
  std::chrono::steady_clock::duration served{};  // since its latest start
};

// "with status 3" or "on signal 9".
std::string DescribeExit(int wait_status);

// The decisions for the tasks of one `troupe up`; each task is known by its
// index in up's list of tasks.
class RestartPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Action {
    kRestart,                     // start it again after `backoff`
    kStayDown,                    // the mode does not restart this exit
    kStayDownConfigurationError,  // exit status 2: never retried
    kGiveUp,                      // past the restart intensity: stop every task
  };
  struct Decision {
    Action action = Action::kStayDown;
    Clock::duration backoff{};
    int64_t restart_number = 0;  // this task's restarts so far, this one too
  };

  RestartPolicy(RestartOptions options, size_t tasks);

  // What to do now that task `index` exited as `exit` at `now`.
  Decision OnExit(size_t index, const TaskExit& exit, Clock::time_point now);

  const RestartOptions& options() const { return options_; }

 private:
  struct TaskState {
    Clock::duration next_backoff{};
    int64_t restarts = 0;
  };

  RestartOptions options_;
  std::vector<TaskState> tasks_;
  std::deque<Clock::time_point> recent_restarts_;  // within the window
};

}  // namespace troupe::cli
