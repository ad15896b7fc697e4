// The wire on one page: the atoms, the typed actor interfaces of a task and of
// its queues, and the registration of every type that crosses the network.
//
// Every blocking request carries `timeout_ms` (kNoTimeout waits forever); the
// resource, not the requester, owns that deadline and answers
// DEADLINE_EXCEEDED itself. Errors are caf::errors of category "troupe"
// (status_error.h) with TensorFlow's canonical codes and texts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/atom.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "serialization/queue_spec.h"
#include "serialization/resource_info.h"
#include "serialization/tensor.h"

namespace troupe {

// A `timeout_ms` that never expires.
inline constexpr int64_t kNoTimeout = -1;

using enqueue_atom = caf::atom_constant<caf::atom("enqueue")>;
using enqueue_many_atom = caf::atom_constant<caf::atom("enq_many")>;
using dequeue_atom = caf::atom_constant<caf::atom("dequeue")>;
using dequeue_many_atom = caf::atom_constant<caf::atom("deq_many")>;
using dequeue_up_to_atom = caf::atom_constant<caf::atom("deq_upto")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using size_atom = caf::atom_constant<caf::atom("size")>;
using is_closed_atom = caf::atom_constant<caf::atom("is_closed")>;
using describe_atom = caf::atom_constant<caf::atom("describe")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using queue_atom = caf::atom_constant<caf::atom("queue")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using list_atom = caf::atom_constant<caf::atom("list")>;

// A queue of any kind. Elements are Tuples, one tensor per component;
// enqueue_many and the batched dequeues carry the batch as dimension 0.
using QueueActor = caf::typed_actor<
    // Adds one element; waits while the queue is full.
    caf::replies_to<enqueue_atom, Tuple, int64_t>::with<caf::ok_atom>,
    // Adds a batch, progressively if it is larger than the free space.
    caf::replies_to<enqueue_many_atom, Tuple, int64_t>::with<caf::ok_atom>,
    // Removes one element; waits while the queue is empty.
    caf::replies_to<dequeue_atom, int64_t>::with<Tuple>,
    // Removes exactly n elements (int32 n, then timeout_ms).
    caf::replies_to<dequeue_many_atom, int32_t, int64_t>::with<Tuple>,
    // Like dequeue_many, but returns what is left (at least one) once closed.
    caf::replies_to<dequeue_up_to_atom, int32_t, int64_t>::with<Tuple>,
    // Closes the queue (bool: cancel pending enqueues, then timeout_ms).
    caf::replies_to<close_atom, bool, int64_t>::with<caf::ok_atom>,
    caf::replies_to<size_atom>::with<int32_t>,
    caf::replies_to<is_closed_atom>::with<bool>,
    caf::replies_to<describe_atom>::with<ResourceInfo>,
    // Internal: the queue reminds itself to expire waiters whose deadline
    // passed.
    caf::reacts_to<expire_atom>>;

// The one actor a task publishes. `device` is "/job:J/task:T" (empty: this
// task).
using TaskActor = caf::typed_actor<
    // Lookup-or-create (device, container, shared name, spec) -> (queue, its
    // spec, whether this call created it).
    caf::replies_to<queue_atom, std::string, std::string, std::string,
                    QueueSpec>::with<QueueActor, QueueSpec, bool>,
    // Looks up an existing queue (device, container, name); NOT_FOUND if none.
    caf::replies_to<lookup_atom, std::string, std::string,
                    std::string>::with<QueueActor, QueueSpec>,
    // Frees the named containers on the device (none named: the default "").
    caf::replies_to<reset_atom, std::string,
                    std::vector<std::string>>::with<caf::ok_atom>,
    // Every resource on the device.
    caf::replies_to<list_atom, std::string>::with<std::vector<ResourceInfo>>>;

// Registers every type above with `config`; every node calls it before it
// starts its actor system.
void RegisterProtocol(caf::actor_system_config& config);

}  // namespace troupe
