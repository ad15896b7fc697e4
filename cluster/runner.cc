#include "cluster/runner.h"

#include <utility>

#include "absl/time/clock.h"

#include "base/status_macros.h"
#include "cluster/wire_call.h"
#include "net/wire_client.h"

namespace troupe {
namespace {

// Call `verb` about runner or coordinator `name` to the task of `device`; a
// call that never waits gives up after the client's slack, one that waits
// (stop, join) after `timeout`.
absl::StatusOr<RunnerStatus> CallRunners(
    Session& session, const std::string& device, const std::string& container,
    const std::string& name, RunnerCall::Verb verb, absl::Duration timeout,
    const RunnerSpec& spec = {}) {
  TROUPE_ASSIGN_OR_RETURN(WireTask task, session.wire(device));
  RunnerCall call;
  call.verb = verb;
  call.container = container;
  call.name = name;
  if (verb == RunnerCall::kStart) call.spec = spec;
  const bool waits = verb == RunnerCall::kStop || verb == RunnerCall::kJoin ||
                     verb == RunnerCall::kStopCoordinator ||
                     verb == RunnerCall::kJoinCoordinator;
  const absl::Time deadline = !waits ? absl::Now() + internal::kClientSlack
                              : timeout == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + timeout;
  absl::StatusOr<Message> reply = task.client->Call(
      RunnerRequest{internal::kThisTask, std::move(call)}, deadline);
  if (absl::IsUnavailable(reply.status())) session.Disconnected(device);
  if (!reply.ok()) return reply.status();
  if (auto* runner = std::get_if<RunnerReply>(&*reply)) {
    return std::move(runner->status);
  }
  return absl::InternalError(
      "The task answered a runner call with another message");
}

}  // namespace

QueueRunner::QueueRunner(Session& session, std::string name, RunnerSpec spec,
                         std::string device, std::string container)
    : session_(session),
      name_(std::move(name)),
      spec_(std::move(spec)),
      device_(std::move(device)),
      container_(std::move(container)) {}

absl::StatusOr<RunnerStatus> QueueRunner::start() {
  return CallRunners(session_, device_, container_, name_, RunnerCall::kStart,
                     internal::kAnsweredAtOnce, spec_);
}

absl::StatusOr<RunnerStatus> QueueRunner::status() {
  return CallRunners(session_, device_, container_, name_, RunnerCall::kStatus,
                     internal::kAnsweredAtOnce);
}

absl::StatusOr<RunnerStatus> QueueRunner::stop(absl::Duration timeout) {
  return CallRunners(session_, device_, container_, name_, RunnerCall::kStop,
                     timeout);
}

absl::StatusOr<RunnerStatus> QueueRunner::join(absl::Duration timeout) {
  return CallRunners(session_, device_, container_, name_, RunnerCall::kJoin,
                     timeout);
}

Coordinator::Coordinator(Session& session, std::string name, std::string device,
                         std::string container)
    : session_(session),
      name_(std::move(name)),
      device_(std::move(device)),
      container_(std::move(container)) {}

absl::StatusOr<RunnerStatus> Coordinator::request_stop(absl::Duration timeout) {
  return CallRunners(session_, device_, container_, name_,
                     RunnerCall::kStopCoordinator, timeout);
}

absl::StatusOr<RunnerStatus> Coordinator::join(absl::Duration timeout) {
  return CallRunners(session_, device_, container_, name_,
                     RunnerCall::kJoinCoordinator, timeout);
}

absl::StatusOr<RunnerStatus> Coordinator::status() {
  return CallRunners(session_, device_, container_, name_,
                     RunnerCall::kCoordinatorStatus, internal::kAnsweredAtOnce);
}

absl::StatusOr<bool> Coordinator::should_stop() {
  absl::StatusOr<RunnerStatus> now = status();
  // No runner has named it yet: nothing asked it to stop.
  if (absl::IsNotFound(now.status())) return false;
  if (!now.ok()) return now.status();
  return now->state == "stopped" || now->state == "failed";
}

}  // namespace troupe
