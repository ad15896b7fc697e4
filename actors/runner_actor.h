// The runner actor: one queue runner of a task (TensorFlow's QueueRunner on
// its threads, as one actor): it fills a target queue with steps taken from
// its sources, each "thread" a chain of asynchronous requests with at most
// one step in flight, so that no thread of the task ever waits.
#pragma once

#include <optional>
#include <string>

#include "caf/actor.hpp"
#include "caf/atom.hpp"
#include "caf/fwd.hpp"

#include "config/data_dir.h"
#include "serialization/protocol.h"
#include "serialization/runner_spec.h"

namespace troupe {

// Between the runner and its registry (actors/runner_registry.h).
// registry -> runner: stop, with the coordinator's error or none.
using runner_stop_atom = caf::atom_constant<caf::atom("rnr_stop")>;
// runner -> registry: (name) it found its target and sources and runs.
using runner_ready_atom = caf::atom_constant<caf::atom("rnr_ready")>;
// runner -> registry: (name, error) its first error; the registry stops the
// other runners of its coordinator with it.
using runner_error_atom = caf::atom_constant<caf::atom("rnr_error")>;
// runner -> registry: (name, final status) it ended and is gone.
using runner_ended_atom = caf::atom_constant<caf::atom("rnr_ended")>;

struct RunnerActorOptions {
  std::string name;
  std::string container;
  // REQUIRES: ValidateRunnerSpec(spec).ok().
  RunnerSpec spec;
  // The task whose queues and readers (in `container`) it uses, and where
  // the readers it makes for its threads (inline reader specs) read.
  TaskActor task;
  std::optional<DataDir> data_dir;
  // Told runner_ready, runner_error and runner_ended.
  caf::actor registry;
};

// Looks its target and sources up first: a missing one ends it at once
// (runner_ended, "failed", NOT_FOUND), before anything is enqueued. Then each
// thread repeats: take from its source, arrange the columns into the
// target's components, enqueue, until its source ends (OUT_OF_RANGE); the
// last thread to end closes the target ("finished"). The first error of a
// step closes the target with that error, cancelling pending enqueues
// ("failed"), so consumers get the cause after what is queued; a stop
// closes it the same way, with the coordinator's error if there is one
// ("stopped"). Ending, it withdraws its waiting requests (it exits) and
// stops the readers it made. While it runs it answers describe_atom with
// its RunnerStatus.
caf::actor SpawnRunner(caf::actor_system& system, RunnerActorOptions options);

}  // namespace troupe
