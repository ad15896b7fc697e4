// The queue coalescer: a local stand-in for a remote queue that sends the
// single enqueues and dequeues waiting at the same time as one message each
// way, as pipelining does for Redis; every other message passes through.
#pragma once

#include <string>

#include "caf/fwd.hpp"

#include "serialization/protocol.h"
#include "serialization/queue_spec.h"

namespace troupe {

// The most single operations one coalesced message carries.
inline constexpr size_t kMaxCoalesced = 1024;

// Spawns a coalescer in front of `queue`, the queue `name` of `spec`; its
// handle answers every QueueActor message as `queue` would. Single enqueues
// and dequeues that wait forever (kNoTimeout) are coalesced: while one
// message of each kind is on its way, those that arrive wait, and leave
// together (up to kMaxCoalesced; enqueues of one shape) once it is answered.
// Each is still answered on its own, with TensorFlow's answer: an invalid
// element is refused at once, here, with the queue's own text. Enqueues,
// closes and the answers to dequeues keep their order: a close first sends
// every enqueue and dequeue that arrived before it, and enqueues after it go
// through at once.
//
// Differences from talking to `queue` directly, on purpose: operations with
// a timeout, and all but enqueue, close and dequeue, pass through at once and
// may overtake waiting ones; dequeues waiting here are not yet in the
// queue's line, so another client's dequeue may be served before them, and a
// close that cancels pending enqueues may come before them and cancel
// enqueues that they would have made room for (TensorFlow gives no order to
// operations in flight together, so both outcomes are TensorFlow's). An
// element handed to a requester that died in this process after asking is
// lost, as any reply to a dead actor is. The coalescer stops when `queue`
// is gone, failing what waits UNAVAILABLE, or when told to exit, failing it
// CANCELLED.
QueueActor SpawnQueueCoalescer(caf::actor_system& system, QueueActor queue,
                               std::string name, QueueSpec spec);

}  // namespace troupe
