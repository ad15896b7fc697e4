// The wire on one page: the atoms, the typed actor interfaces of a task, of
// its queues and of its variables, and the registration of every type that
// crosses the network.
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
#include "caf/error.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "serialization/checkpoint_info.h"
#include "serialization/queue_spec.h"
#include "serialization/reader_spec.h"
#include "serialization/resource_info.h"
#include "serialization/runner_spec.h"
#include "serialization/task_snapshot.h"
#include "serialization/task_status.h"
#include "serialization/tensor.h"
#include "serialization/variable_spec.h"

namespace troupe {

// A `timeout_ms` that never expires.
inline constexpr int64_t kNoTimeout = -1;

using enqueue_atom = caf::atom_constant<caf::atom("enqueue")>;
using enqueue_many_atom = caf::atom_constant<caf::atom("enq_many")>;
using dequeue_atom = caf::atom_constant<caf::atom("dequeue")>;
using dequeue_many_atom = caf::atom_constant<caf::atom("deq_many")>;
using dequeue_up_to_atom = caf::atom_constant<caf::atom("deq_upto")>;
using enqueue_each_atom = caf::atom_constant<caf::atom("enq_each")>;
using dequeue_some_atom = caf::atom_constant<caf::atom("deq_some")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using size_atom = caf::atom_constant<caf::atom("size")>;
using is_closed_atom = caf::atom_constant<caf::atom("is_closed")>;
using describe_atom = caf::atom_constant<caf::atom("describe")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using queue_atom = caf::atom_constant<caf::atom("queue")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using list_atom = caf::atom_constant<caf::atom("list")>;

// --- Variables ---------------------------------------------------------
using assign_atom = caf::atom_constant<caf::atom("assign")>;
using assign_add_atom = caf::atom_constant<caf::atom("assign_add")>;
using assign_sub_atom = caf::atom_constant<caf::atom("assign_sub")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using is_initialized_atom = caf::atom_constant<caf::atom("is_init")>;
using variable_atom = caf::atom_constant<caf::atom("variable")>;
using lookup_variable_atom = caf::atom_constant<caf::atom("lookup_var")>;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
// --- End of variables --------------------------------------------------

// --- Checkpoints -------------------------------------------------------
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using restore_atom = caf::atom_constant<caf::atom("restore")>;
using save_atom = caf::atom_constant<caf::atom("save")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using index_atom = caf::atom_constant<caf::atom("index")>;
using checkpoints_atom = caf::atom_constant<caf::atom("ckpts")>;
// A durable queue's log (actors/queue_log_writer.h).
using rewrite_atom = caf::atom_constant<caf::atom("rewrite")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
// --- End of checkpoints ------------------------------------------------

// --- Readers -----------------------------------------------------------
using reader_atom = caf::atom_constant<caf::atom("reader")>;
using lookup_reader_atom = caf::atom_constant<caf::atom("lookup_rdr")>;
using read_up_to_atom = caf::atom_constant<caf::atom("read_upto")>;
using read_batch_atom = caf::atom_constant<caf::atom("read_batch")>;
using reader_stats_atom = caf::atom_constant<caf::atom("rdr_stats")>;
using serialize_atom = caf::atom_constant<caf::atom("serialize")>;
using tfrecord_write_atom = caf::atom_constant<caf::atom("tfr_write")>;
using reader_turn_atom = caf::atom_constant<caf::atom("rdr_turn")>;
// --- End of readers ----------------------------------------------------

// --- Queue runners -----------------------------------------------------
using runner_atom = caf::atom_constant<caf::atom("runner")>;
// --- End of queue runners ----------------------------------------------

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
    // Single enqueues coalesced by a client (actors/queue_coalescer.h), all
    // valid and of one shape: how many of the first elements went in, and
    // the error of the rest (none when all did).
    caf::replies_to<enqueue_each_atom, std::vector<Tuple>,
                    int64_t>::with<int32_t, caf::error>,
    // Single dequeues coalesced by a client: between 1 and max elements
    // (int32 max, then timeout_ms), waiting only while there are none.
    caf::replies_to<dequeue_some_atom, int32_t,
                    int64_t>::with<std::vector<Tuple>>,
    // Closes the queue (bool: cancel pending enqueues, then timeout_ms).
    caf::replies_to<close_atom, bool, int64_t>::with<caf::ok_atom>,
    // Closes the queue with an error (a queue runner's first): once the
    // elements are gone, dequeues fail with it instead of OUT_OF_RANGE.
    // (bool: cancel pending enqueues, then the error.)
    caf::replies_to<close_atom, bool, caf::error>::with<caf::ok_atom>,
    caf::replies_to<size_atom>::with<int32_t>,
    caf::replies_to<is_closed_atom>::with<bool>,
    caf::replies_to<describe_atom>::with<ResourceInfo>,
    // Whether it is closed and every element in the queue's order, those
    // that waiting dequeues hold first: what a checkpoint saves.
    caf::replies_to<snapshot_atom>::with<bool, std::vector<Tuple>>,
    // Makes the queue closed or not and hold exactly these elements (a
    // restored checkpoint); waiting operations go on against them.
    caf::replies_to<restore_atom, bool, std::vector<Tuple>>::with<caf::ok_atom>,
    // Internal: the queue reminds itself to expire waiters whose deadline
    // passed, and a durable queue to end the hold on its next log batch.
    caf::reacts_to<expire_atom>,
    // Internal: an `everysec` durable queue's reminder to have its log
    // synced.
    caf::reacts_to<sync_atom>>;

// --- Variables ---------------------------------------------------------
// A variable (TensorFlow's ref variable): a dtype, a shape and a value, which
// is uninitialized until the first assign. Nothing waits, so no message
// carries a timeout. Every reply carrying a value shares the variable's
// immutable buffer (no copy within a process); only assign_add/assign_sub
// make a new one.
using VariableActor = caf::typed_actor<
    // Replaces the value (Tensor, then validate_shape: with it the value must
    // have the variable's current shape, without it the variable takes the
    // value's shape) -> ok. The new value is the one sent, so it does not
    // travel back (TensorFlow's assign returns it: Variable::assign does).
    caf::replies_to<assign_atom, Tensor, bool>::with<caf::ok_atom>,
    // Adds or subtracts a tensor of the same dtype and shape, element-wise
    // (numeric dtypes only) -> the new value.
    caf::replies_to<assign_add_atom, Tensor>::with<Tensor>,
    caf::replies_to<assign_sub_atom, Tensor>::with<Tensor>,
    // The value; FAILED_PRECONDITION while uninitialized.
    caf::replies_to<read_atom>::with<Tensor>,
    caf::replies_to<is_initialized_atom>::with<bool>,
    caf::replies_to<describe_atom>::with<ResourceInfo>>;
// --- End of variables --------------------------------------------------

// --- Readers -----------------------------------------------------------
// A reader (TensorFlow's ReaderBase): it takes work units (paths relative to
// the task's data directory) from a filename queue, a queue of scalar strings
// named by the request, on the reader's own task and container. A read that
// waits for a filename is a waiter of that queue: the reader keeps answering
// its other requests meanwhile, and serves its reads in arrival order.
using ReaderActor = caf::typed_actor<
    // One record (filename queue, timeout_ms) -> (key, value). OUT_OF_RANGE
    // once the queue is closed and drained.
    caf::replies_to<read_atom, std::string, int64_t>::with<std::string,
                                                           std::string>,
    // Between 1 and n records of one work unit (filename queue, int64 n,
    // timeout_ms) -> (keys, values); n == 0 gives none without a dequeue.
    caf::replies_to<read_up_to_atom, std::string, int64_t, int64_t>::with<
        std::vector<std::string>, std::vector<std::string>>,
    // read_up_to for runners, as string tensors [k] (filename queue, n,
    // timeout_ms, with_keys) -> (keys, values); without with_keys the keys
    // are not made and come as [0].
    caf::replies_to<read_batch_atom, std::string, int64_t, int64_t,
                    bool>::with<Tensor, Tensor>,
    // (records produced, work units completed, corrupt records skipped).
    caf::replies_to<reader_stats_atom>::with<int64_t, int64_t, int64_t>,
    // Counters to zero and the current unit forgotten; a waiting read goes
    // on waiting.
    caf::replies_to<reset_atom>::with<caf::ok_atom>,
    // The reader's state as bytes (formats/reader_state.h).
    caf::replies_to<serialize_atom>::with<std::string>,
    // Restores such bytes; a failure changes nothing.
    caf::replies_to<restore_atom, std::string>::with<caf::ok_atom>,
    caf::replies_to<describe_atom>::with<ResourceInfo>,
    // Internal: the reader goes on with a long read_up_to in a new turn.
    caf::reacts_to<reader_turn_atom>>;
// --- End of readers ----------------------------------------------------

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
    caf::replies_to<list_atom, std::string>::with<std::vector<ResourceInfo>>,
    // --- Variables (a namespace of their own: a queue and a variable may
    // share a name) ---
    // Lookup-or-create (device, container, shared name, spec) -> (variable,
    // its declared spec, whether this call created it).
    caf::replies_to<variable_atom, std::string, std::string, std::string,
                    VariableSpec>::with<VariableActor, VariableSpec, bool>,
    // Looks up an existing variable (device, container, name); NOT_FOUND if
    // none.
    caf::replies_to<lookup_variable_atom, std::string, std::string,
                    std::string>::with<VariableActor, VariableSpec>,
    // Where a device of the cluster is served: (its device name, "host:port");
    // "" names this task. NOT_FOUND for a device outside the cluster. A
    // Session connects to that address itself, so that every task it uses is
    // a direct connection whose loss it notices.
    caf::replies_to<resolve_atom, std::string>::with<std::string, std::string>,
    // --- Readers (a namespace of their own) ---
    // Lookup-or-create (device, container, shared name, spec) -> (reader, its
    // spec, whether this call created it).
    caf::replies_to<reader_atom, std::string, std::string, std::string,
                    ReaderSpec>::with<ReaderActor, ReaderSpec, bool>,
    // Looks up an existing reader (device, container, name); NOT_FOUND if
    // none.
    caf::replies_to<lookup_reader_atom, std::string, std::string,
                    std::string>::with<ReaderActor, ReaderSpec>,
    // Writes a TFRecord file under the data directory: (device, path,
    // records, compression "" | "GZIP" | "ZLIB") -> bytes written.
    caf::replies_to<tfrecord_write_atom, std::string, std::string,
                    std::vector<std::string>, std::string>::with<int64_t>,
    // --- Checkpoints (state/, the task's --data-dir) ---
    // Writes this task's shard of checkpoint PREFIX: (device, prefix,
    // containers (none: every one), include queues) -> (the shard's file,
    // tensors, bytes). A variable never assigned is saved without a value.
    caf::replies_to<save_atom, std::string, std::string,
                    std::vector<std::string>,
                    bool>::with<std::string, int64_t, int64_t>,
    // Records a checkpoint whose shards are written: (device, its info,
    // max_to_keep, whether to write PREFIX.index here) -> the prefix. Names
    // it the latest in its directory's "checkpoint" file and removes this
    // task's files of the checkpoints past max_to_keep.
    caf::replies_to<commit_atom, std::string, CheckpointInfo, int32_t,
                    bool>::with<std::string>,
    // Restores this task's shard of checkpoint PREFIX: (device, prefix) ->
    // tensors restored. Creates what is missing and overwrites what exists;
    // a spec that does not match changes nothing (INVALID_ARGUMENT).
    // A durable queue that exists is left as it is: its log is newer than
    // any checkpoint.
    caf::replies_to<restore_atom, std::string, std::string>::with<int64_t>,
    // Restores the task's durable queues as their logs held them, before
    // the task serves (state/queue_logs.h) -> tensors restored.
    caf::replies_to<restore_atom, TaskSnapshot>::with<int64_t>,
    // The index of checkpoint PREFIX: (device, prefix).
    caf::replies_to<index_atom, std::string, std::string>::with<CheckpointInfo>,
    // The checkpoints of directory DIR, newest first: (device, dir).
    caf::replies_to<checkpoints_atom, std::string,
                    std::string>::with<std::vector<CheckpointInfo>>,
    // A call about a queue runner or a coordinator (device, call)
    // (actors/runner_registry.h).
    caf::replies_to<runner_atom, std::string, RunnerCall>::with<RunnerStatus>,
    // This task: its device, incarnation, uptime and restarts. A Session asks
    // each task it connects to, and tells a handle whose task restarted since
    // it found its resource (ABORTED) from one whose connection was lost.
    caf::replies_to<status_atom>::with<TaskStatus>>;

// Registers every type above with `config`; every node calls it before it
// starts its actor system.
void RegisterProtocol(caf::actor_system_config& config);

}  // namespace troupe
