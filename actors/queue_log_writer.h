// The actor that syncs a task's durable queue logs (formats/queue_log.h) and
// rewrites them, on a thread of its own: file I/O that waits for the disk.
// The queues append to their logs themselves (queue_log_file.h); one sync
// serves every queue that asked while the last one ran, and the queues it
// answers run on its thread right after (actors/inline_unit.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/typed_actor.hpp"

#include "config/data_dir.h"
#include "formats/queue_log.h"
#include "serialization/protocol.h"

namespace troupe {

using QueueLogWriterActor = caf::typed_actor<
    // Replaces the log of queue `id` (an actor id) with a file named FILE in
    // the writer's directory holding `records`, atomically and synced.
    // -> the log's bytes and its absolute path, for the queue to append to.
    caf::replies_to<rewrite_atom, uint64_t, std::string,
                    std::vector<QueueLogRecord>>::with<uint64_t, std::string>,
    // Syncs the log of `id`: answered once what was written to it before
    // the request is on disk.
    caf::replies_to<sync_atom, uint64_t>::with<caf::ok_atom>,
    // Closes the log of `id` and deletes its file (a reset queue).
    caf::reacts_to<remove_atom, uint64_t>,
    // The writer's own: run the syncs asked for.
    caf::reacts_to<sync_atom>>;

// The directory of `device`'s logs, relative to its data directory:
// "durable-queues/ps-0" for "/job:ps/task:0".
std::string QueueLogDirectory(const std::string& device);

// The log file's name for queue (container, name): a hash of both, since
// names may hold any character and be longer than a file name may be.
std::string QueueLogFileName(const std::string& container,
                             const std::string& name);

// A writer for `device`'s logs under `data_dir`, on a thread of its own. On
// exit it syncs every log it has rewritten.
QueueLogWriterActor SpawnQueueLogWriter(caf::actor_system& system,
                                        DataDir data_dir, std::string device);

}  // namespace troupe
