#include "cli/restart_policy.h"

#include <sys/wait.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace troupe::cli {

absl::StatusOr<RestartMode> ParseRestartMode(const std::string& text) {
  if (text == "no") return RestartMode::kNo;
  if (text == "on-failure") return RestartMode::kOnFailure;
  if (text == "always") return RestartMode::kAlways;
  return absl::InvalidArgumentError(absl::StrCat(
      "Invalid --restart '", text, "'; expected no, on-failure or always"));
}

std::string DescribeExit(int wait_status) {
  if (WIFSIGNALED(wait_status))
    return absl::StrCat("on signal ", WTERMSIG(wait_status));
  return absl::StrCat("with status ", WEXITSTATUS(wait_status));
}

RestartPolicy::RestartPolicy(RestartOptions options, size_t tasks)
    : options_(options), tasks_(tasks, TaskState{options.initial_backoff, 0}) {}

RestartPolicy::Decision RestartPolicy::OnExit(size_t index,
                                              const TaskExit& exit,
                                              Clock::time_point now) {
  Decision decision;
  const bool clean =
      WIFEXITED(exit.wait_status) && WEXITSTATUS(exit.wait_status) == 0;
  if (WIFEXITED(exit.wait_status) &&
      WEXITSTATUS(exit.wait_status) == kConfigurationErrorStatus) {
    decision.action = Action::kStayDownConfigurationError;
    return decision;
  }
  const bool restart = options_.mode == RestartMode::kAlways ||
                       (options_.mode == RestartMode::kOnFailure && !clean);
  if (!restart) return decision;

  while (!recent_restarts_.empty() &&
         now - recent_restarts_.front() >= options_.window) {
    recent_restarts_.pop_front();
  }
  if (recent_restarts_.size() >=
      static_cast<size_t>(std::max(options_.max_restarts, 0))) {
    decision.action = Action::kGiveUp;
    return decision;
  }
  recent_restarts_.push_back(now);

  TaskState& task = tasks_.at(index);
  if (exit.served >= kBackoffResetAfter)
    task.next_backoff = options_.initial_backoff;
  const Clock::duration cap =
      std::max<Clock::duration>(kMaxBackoff, options_.initial_backoff);
  decision.action = Action::kRestart;
  decision.backoff = std::min(task.next_backoff, cap);
  decision.restart_number = ++task.restarts;
  task.next_backoff = std::min(task.next_backoff * 2, cap);
  return decision;
}

}  // namespace troupe::cli
