// The actor through which a task's durable queues write their logs
// (formats/queue_log.h): file I/O on a thread of its own, each log synced as
// its appendfsync policy says, one sync shared by the appends that arrived
// while the last one ran.
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
    // the writer's directory holding `records`, atomically and synced; later
    // appends of `id` go to it, synced per `durability`. -> the log's bytes.
    caf::replies_to<rewrite_atom, uint64_t, std::string, Durability,
                    std::vector<QueueLogRecord>>::with<uint64_t>,
    // Appends `records` to the log of `id`; answered once written (with
    // `always`: and synced). -> the log's bytes.
    caf::replies_to<append_atom, uint64_t,
                    std::vector<QueueLogRecord>>::with<uint64_t>,
    // Closes the log of `id` and deletes its file (a reset queue).
    caf::reacts_to<remove_atom, uint64_t>,
    // The writer's own: sync the `always` logs written to, and (every
    // second) the `everysec` ones.
    caf::reacts_to<sync_atom>, caf::reacts_to<sync_tick_atom>>;

// The directory of `device`'s logs, relative to its data directory:
// "durable-queues/ps-0" for "/job:ps/task:0".
std::string QueueLogDirectory(const std::string& device);

// The log file's name for queue (container, name): a hash of both, since
// names may hold any character and be longer than a file name may be.
std::string QueueLogFileName(const std::string& container,
                             const std::string& name);

// A writer for `device`'s logs under `data_dir`, on a thread of its own. On
// exit it syncs every log written to since its last sync.
QueueLogWriterActor SpawnQueueLogWriter(caf::actor_system& system,
                                        DataDir data_dir, std::string device);

}  // namespace troupe
