// The queue actor: serves QueueActor's messages (serialization/protocol.h) by
// driving a QueueCore. It owns every deadline, answers waiting requests when
// the state changes, and withdraws the requests of requesters that are gone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "caf/fwd.hpp"

#include "config/memory_limit.h"
#include "serialization/protocol.h"

namespace troupe {

// The most operations that may wait on one queue; past it a request that
// would wait fails RESOURCE_EXHAUSTED.
inline constexpr size_t kDefaultMaxWaiting = 100000;

// Spawns a queue shared as `name`, with QueueCore's limits. REQUIRES:
// ValidateQueueSpec(spec, name).ok(). Sending it an exit message whose reason
// is a troupe error (status_error.h) cancels every waiting request with that
// error's text, then stops it.
QueueActor SpawnQueue(caf::actor_system& system, std::string name,
                      QueueSpec spec, size_t max_waiting = kDefaultMaxWaiting,
                      uint64_t max_batch_bytes = DefaultMemoryLimit());

}  // namespace troupe
