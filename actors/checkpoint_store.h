// The actor through which a task writes and reads its checkpoint files
// (state/checkpoint_store.h spawns it): file I/O on a thread of its own,
// every path confined to the task's data directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/typed_actor.hpp"

#include "serialization/checkpoint_info.h"
#include "serialization/protocol.h"
#include "serialization/task_snapshot.h"

namespace troupe {

using CheckpointStoreActor = caf::typed_actor<
    // Writes this task's shard of checkpoint PREFIX -> (the shard's file,
    // relative to the data directory; bytes written).
    caf::replies_to<save_atom, std::string, TaskSnapshot>::with<std::string,
                                                                int64_t>,
    // Reads this task's shard of checkpoint PREFIX.
    caf::replies_to<restore_atom, std::string>::with<TaskSnapshot>,
    // TaskActor's commit: (info, max_to_keep, write the index here).
    caf::replies_to<commit_atom, CheckpointInfo, int32_t,
                    bool>::with<std::string>,
    // The index of checkpoint PREFIX.
    caf::replies_to<index_atom, std::string>::with<CheckpointInfo>,
    // The checkpoints of directory DIR, newest first.
    caf::replies_to<checkpoints_atom,
                    std::string>::with<std::vector<CheckpointInfo>>>;

}  // namespace troupe
