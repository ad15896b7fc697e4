// The runner registry: a task's queue runners by (container, name) and their
// coordinators (TensorFlow's Coordinator: the first error of any runner
// stops all of them), as one actor beside the task actor.
#pragma once

#include <optional>

#include "caf/fwd.hpp"

#include "config/data_dir.h"
#include "serialization/protocol.h"

namespace troupe {

struct RunnerRegistryOptions {
  // The task whose queues and readers the runners use.
  TaskActor task;
  std::optional<DataDir> data_dir;
  // The most runners one task holds (ended ones count until reset).
  size_t max_runners = 1000;
};

// Messages:
//   (runner_atom, RunnerCall) -> RunnerStatus: RunnerCall's verbs. A start
//     is answered once the runner found its target and sources (else with
//     the error, NOT_FOUND naming what is missing); a stop or join once the
//     runner (or every runner of the coordinator) ended. A runner whose
//     coordinator was already stopped ends at once, "stopped", having
//     enqueued nothing. NOT_FOUND for an unknown runner, and for a join or
//     status of an unknown coordinator; a stop of an unknown coordinator
//     makes it, stopped.
//   (reset_atom, containers): stops the runners of those containers and
//     forgets them; what waits on them is answered "stopped".
//   (list_atom) -> std::vector<ResourceInfo>: every runner.
// Dies with the task actor (it links to it).
caf::actor SpawnRunnerRegistry(caf::actor_system& system,
                               RunnerRegistryOptions options);

}  // namespace troupe
