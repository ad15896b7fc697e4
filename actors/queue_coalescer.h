// The queue coalescer: a local stand-in for a remote queue that sends the
// single enqueues and dequeues waiting at the same time as one message each
// way, as pipelining does for Redis; every other message passes through.
#pragma once

#include "caf/fwd.hpp"

#include "serialization/protocol.h"

namespace troupe {

// The most single operations one coalesced message carries.
inline constexpr size_t kMaxCoalesced = 1024;

// Spawns a coalescer in front of `queue`; its handle answers every QueueActor
// message as `queue` would. Single enqueues and dequeues that wait forever
// (kNoTimeout) are coalesced: while one message of each kind is on its way,
// those that arrive wait, and leave together (up to kMaxCoalesced) once it
// is answered. Each is still answered on its own, as TensorFlow answers it;
// enqueues, closes and the answers to dequeues keep their order.
//
// Differences from talking to `queue` directly, on purpose: operations with
// a timeout, and all but enqueue, close and dequeue, pass through at once and
// may overtake coalesced ones. An element handed to a requester that died in
// this process after asking is lost, as any reply to a dead actor is.
// The coalescer stops when `queue` is gone, failing what waits UNAVAILABLE,
// or when told to exit, failing it CANCELLED.
QueueActor SpawnQueueCoalescer(caf::actor_system& system, QueueActor queue);

}  // namespace troupe
