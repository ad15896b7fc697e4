// The queue actor: serves QueueActor's messages (serialization/protocol.h) by
// driving a QueueCore. It owns every deadline, answers waiting requests when
// the state changes, and withdraws the requests of requesters that are gone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "caf/fwd.hpp"

#include "actors/queue_log_writer.h"
#include "config/memory_limit.h"
#include "serialization/protocol.h"

namespace troupe {

// The most operations that may wait on one queue; past it a request that
// would wait fails RESOURCE_EXHAUSTED.
inline constexpr size_t kDefaultMaxWaiting = 100000;

// Where a durable queue keeps its log.
struct QueueLogOptions {
  QueueLogWriterActor writer;
  std::string container;
  // The log's file name in the writer's directory.
  std::string file;
  // The queue's content comes next, as its first message (a restore): the
  // log then starts with that content rather than empty, so that a crash in
  // between never leaves an empty log in place of an older full one.
  bool content_follows = false;
  // Once the log holds this many bytes and more than twice the queue's
  // content, it is rewritten as that content alone.
  uint64_t compact_min_bytes = uint64_t{64} << 20;
};

// Spawns a queue shared as `name`, with QueueCore's limits. REQUIRES:
// ValidateQueueSpec(spec, name).ok(). Sending it an exit message whose reason
// is a troupe error (status_error.h) cancels every waiting request with that
// error's text, then stops it.
//
// A durable queue (spec.durability) needs `log`: it starts a new log, writes
// every change of its content there and answers an operation only once the
// changes before its answer are written (and synced, with `always`). Should
// a write fail, it answers UNAVAILABLE to everything until its task
// restarts, which loads what the log holds.
QueueActor SpawnQueue(caf::actor_system& system, std::string name,
                      QueueSpec spec, size_t max_waiting = kDefaultMaxWaiting,
                      uint64_t max_batch_bytes = DefaultMemoryLimit(),
                      std::optional<QueueLogOptions> log = std::nullopt);

}  // namespace troupe
