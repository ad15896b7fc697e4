// Spawns a task's checkpoint store (actors/checkpoint_store.h): shard files
// named PREFIX.data-JOB-TASK, PREFIX.index (JSON) on the task that commits,
// and TensorFlow's "checkpoint" file in the prefix's directory naming the
// latest checkpoint and those kept.
#pragma once

#include <cstdint>
#include <string>

#include "caf/fwd.hpp"

#include "actors/checkpoint_store.h"
#include "config/data_dir.h"

namespace troupe {

// A store for task `device` under `data_dir`, on a thread of its own. A shard
// that would take more than `max_bytes` of memory to read is refused.
CheckpointStoreActor SpawnCheckpointStore(caf::actor_system& system,
                                          DataDir data_dir, std::string device,
                                          uint64_t max_bytes);

}  // namespace troupe
