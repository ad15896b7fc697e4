// QueueRunner and Coordinator: TensorFlow's, running on a task as actors
// (actors/runner_actor.h). A runner fills its target queue from a source (a
// queue, a reader over a filename queue, or a producer of strings, a range,
// slices or a tensor), decoding CSV records and arranging their columns into
// the target's components; it closes the target when its sources end, or with
// its first error, which then stops every runner of its coordinator.
// Thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cluster/session.h"
#include "serialization/runner_spec.h"

namespace troupe {

class QueueRunner {
 public:
  // Runner `name` on `device` (empty: the session's target), in
  // `container`. Nothing happens until start().
  QueueRunner(Session& session, std::string name, RunnerSpec spec,
              std::string device = "", std::string container = "");

  // Starts it, answered once it found its target queue, source queues and
  // readers (NOT_FOUND naming what is missing; INVALID_ARGUMENT for a spec
  // no task can run). `started` is false when it was already running.
  absl::StatusOr<RunnerStatus> start();
  absl::StatusOr<RunnerStatus> status();
  // Stops it: its in-flight steps are cancelled wherever they wait, its
  // target closed (pending enqueues cancelled). Answered once it ended.
  absl::StatusOr<RunnerStatus> stop(
      absl::Duration timeout = absl::InfiniteDuration());
  // Waits until it ended: "finished", "failed" (error() is the first
  // error) or "stopped". DEADLINE_EXCEEDED past `timeout`.
  absl::StatusOr<RunnerStatus> join(
      absl::Duration timeout = absl::InfiniteDuration());

 private:
  Session& session_;
  const std::string name_;
  const RunnerSpec spec_;
  const std::string device_;
  const std::string container_;
};

// The runners whose spec names coordinator `name`.
class Coordinator {
 public:
  Coordinator(Session& session, std::string name, std::string device = "",
              std::string container = "");

  // Stops every runner of the coordinator, answered once they all ended;
  // runners started on it later end at once, having enqueued nothing (also
  // when no runner had named it yet, as TensorFlow's request_stop() before
  // create_threads).
  absl::StatusOr<RunnerStatus> request_stop(
      absl::Duration timeout = absl::InfiniteDuration());
  // Waits until every runner of it ended: "failed" with the first error of
  // any of them, "stopped" after a stop, else "finished".
  absl::StatusOr<RunnerStatus> join(
      absl::Duration timeout = absl::InfiniteDuration());
  // Its status now, without waiting: "running" while a runner of it runs
  // and no stop was asked, else what join() would answer.
  absl::StatusOr<RunnerStatus> status();
  // TensorFlow's should_stop(): true once a stop was asked, by
  // request_stop() or by a failed step of one of its runners (false while
  // no runner has named it).
  absl::StatusOr<bool> should_stop();

 private:
  Session& session_;
  const std::string name_;
  const std::string device_;
  const std::string container_;
};

}  // namespace troupe
