// A task's own checkpoints (`troupe task --checkpoint-dir DIR
// [--checkpoint-every D]`): the newest is restored before the task serves,
// and every resource, queues too, is saved every D and when the task stops.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caf/fwd.hpp"

#include "base/log_level.h"
#include "serialization/checkpoint_info.h"
#include "serialization/protocol.h"

namespace troupe {

struct AutoCheckpointOptions {
  // Relative to the task's data directory.
  std::string dir;
  // Zero: only when the task stops.
  absl::Duration every = absl::ZeroDuration();
  // The newest kept in `dir`.
  int32_t max_to_keep = 5;
  // This task, "/job:J/task:T".
  std::string device;
};

// Restores the newest checkpoint of `options.dir` into `task`; OK with an
// empty info when there is none. Blocks the calling thread (not an actor's).
absl::StatusOr<CheckpointInfo> RestoreLatest(
    caf::actor_system& system, const TaskActor& task,
    const AutoCheckpointOptions& options);

// Saves every resource of `task` as `options.dir`/auto-<unix ms> now.
// Blocks the calling thread (not an actor's).
absl::StatusOr<CheckpointInfo> SaveNow(caf::actor_system& system,
                                       const TaskActor& task,
                                       const AutoCheckpointOptions& options);

// An actor that saves as SaveNow does every `options.every` (> 0), telling
// `log` of each failure (an error); stop it with an exit message.
caf::actor SpawnAutoCheckpointer(caf::actor_system& system, TaskActor task,
                                 AutoCheckpointOptions options, LogSink log);

}  // namespace troupe
