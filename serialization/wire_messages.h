// Troupe's wire messages: one struct per request and reply of protocol.h with
// its kind, and the functions between a message and a frame.
//
// A message's body holds its fields in the order of its inspect() function
// (encodings in wire_body.h).
//
// A request names its resource by the id the task handed out in the reply to
// a lookup (QueueReply, LookupReply, VariableReply, LookupVariableReply), not
// by an actor handle; a task never reuses an id within its incarnation (the
// handshake's). A reply carries its request's id in the frame header; every
// request may instead be answered by an ErrorReply. Replies of the same shape
// share a struct (TupleReply answers dequeue, dequeue_many and
// dequeue_up_to). `timeout_ms` is protocol.h's: kNoTimeout (-1) waits forever.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "serialization/checkpoint_info.h"
#include "serialization/queue_spec.h"
#include "serialization/reader_spec.h"
#include "serialization/resource_info.h"
#include "serialization/runner_spec.h"
#include "serialization/task_status.h"
#include "serialization/tensor.h"
#include "serialization/variable_spec.h"
#include "serialization/wire_decoder.h"
#include "serialization/wire_encoder.h"
#include "serialization/wire_format.h"

namespace troupe {

// protocol.h's kNoTimeout, without its CAF headers.
inline constexpr int64_t kWireNoTimeout = -1;

// The kind field of a frame header: which struct its body holds. 1..15 keep
// the connection, 16..63 are requests, 64.. replies; 0 is never sent.
enum class MessageKind : uint16_t {
  kHeartbeat = 1,
  kErrorReply = 2,
  kEnqueue = 16,
  kEnqueueMany = 17,
  kDequeue = 18,
  kDequeueMany = 19,
  kDequeueUpTo = 20,
  kEnqueueEach = 21,
  kDequeueSome = 22,
  kClose = 23,
  kSize = 24,
  kIsClosed = 25,
  kDescribe = 26,
  kQueue = 27,
  kLookup = 28,
  kReset = 29,
  kList = 30,
  kVariable = 31,
  kLookupVariable = 32,
  kAssign = 33,
  kAssignAdd = 34,
  kAssignSub = 35,
  kRead = 36,
  kIsInitialized = 37,
  kResolve = 38,
  kStatus = 39,
  kSave = 40,
  kCommit = 41,
  kIndex = 42,
  kRestoreCheckpoint = 43,
  kCheckpoints = 44,
  kReader = 45,
  kLookupReader = 46,
  kReadRecord = 47,
  kReadUpTo = 48,
  kReaderStats = 49,
  kResetReader = 50,
  kSerializeReader = 51,
  kRestoreReader = 52,
  kTfrecordWrite = 53,
  kRunner = 54,
  kOkReply = 64,
  kTupleReply = 65,
  kEnqueueEachReply = 66,
  kTuplesReply = 67,
  kSizeReply = 68,
  kBoolReply = 69,
  kDescribeReply = 70,
  kQueueReply = 71,
  kLookupReply = 72,
  kListReply = 73,
  kVariableReply = 74,
  kLookupVariableReply = 75,
  kTensorReply = 76,
  kResolveReply = 77,
  kStatusReply = 78,
  kSaveReply = 79,
  kCommitReply = 80,
  kCheckpointReply = 81,
  kRestoreCheckpointReply = 82,
  kCheckpointsReply = 83,
  kReaderReply = 84,
  kLookupReaderReply = 85,
  kRecordReply = 86,
  kRecordsReply = 87,
  kReaderStatsReply = 88,
  kReaderStateReply = 89,
  kTfrecordWriteReply = 90,
  kRunnerReply = 91,
};

// Either side, any time: proves the connection alive (request id 0).
struct Heartbeat {
  static constexpr MessageKind kKind = MessageKind::kHeartbeat;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Heartbeat&) {
  return f();
}

// The reply to any request that failed: a canonical code (never OK) and
// TensorFlow's text.
struct ErrorReply {
  static constexpr MessageKind kKind = MessageKind::kErrorReply;
  absl::Status status;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ErrorReply& x) {
  return f(x.status);
}

// Adds one element; waits while the queue is full. -> OkReply
struct EnqueueRequest {
  static constexpr MessageKind kKind = MessageKind::kEnqueue;
  uint64_t resource_id = 0;
  Tuple components;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, EnqueueRequest& x) {
  return f(x.resource_id, x.components, x.timeout_ms);
}

// Adds a batch (dimension 0 of every component). -> OkReply
struct EnqueueManyRequest {
  static constexpr MessageKind kKind = MessageKind::kEnqueueMany;
  uint64_t resource_id = 0;
  Tuple components;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, EnqueueManyRequest& x) {
  return f(x.resource_id, x.components, x.timeout_ms);
}

// Removes one element; waits while the queue is empty. -> TupleReply
struct DequeueRequest {
  static constexpr MessageKind kKind = MessageKind::kDequeue;
  uint64_t resource_id = 0;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DequeueRequest& x) {
  return f(x.resource_id, x.timeout_ms);
}

// Removes exactly n elements, batched. -> TupleReply
struct DequeueManyRequest {
  static constexpr MessageKind kKind = MessageKind::kDequeueMany;
  uint64_t resource_id = 0;
  int32_t n = 0;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DequeueManyRequest& x) {
  return f(x.resource_id, x.n, x.timeout_ms);
}

// Like DequeueManyRequest, but returns what is left (at least one) once
// closed. -> TupleReply
struct DequeueUpToRequest {
  static constexpr MessageKind kKind = MessageKind::kDequeueUpTo;
  uint64_t resource_id = 0;
  int32_t n = 0;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DequeueUpToRequest& x) {
  return f(x.resource_id, x.n, x.timeout_ms);
}

// Single enqueues coalesced by a client, all valid and of one shape.
// -> EnqueueEachReply
struct EnqueueEachRequest {
  static constexpr MessageKind kKind = MessageKind::kEnqueueEach;
  uint64_t resource_id = 0;
  std::vector<Tuple> elements;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, EnqueueEachRequest& x) {
  return f(x.resource_id, x.elements, x.timeout_ms);
}

// Single dequeues coalesced by a client: between 1 and max elements,
// waiting only while there are none. -> TuplesReply
struct DequeueSomeRequest {
  static constexpr MessageKind kKind = MessageKind::kDequeueSome;
  uint64_t resource_id = 0;
  int32_t max = 0;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DequeueSomeRequest& x) {
  return f(x.resource_id, x.max, x.timeout_ms);
}

// Closes the queue. -> OkReply
struct CloseRequest {
  static constexpr MessageKind kKind = MessageKind::kClose;
  uint64_t resource_id = 0;
  bool cancel_pending_enqueues = false;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CloseRequest& x) {
  return f(x.resource_id, x.cancel_pending_enqueues, x.timeout_ms);
}

// -> SizeReply
struct SizeRequest {
  static constexpr MessageKind kKind = MessageKind::kSize;
  uint64_t resource_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SizeRequest& x) {
  return f(x.resource_id);
}

// -> BoolReply
struct IsClosedRequest {
  static constexpr MessageKind kKind = MessageKind::kIsClosed;
  uint64_t resource_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, IsClosedRequest& x) {
  return f(x.resource_id);
}

// A queue or a variable. -> DescribeReply
struct DescribeRequest {
  static constexpr MessageKind kKind = MessageKind::kDescribe;
  uint64_t resource_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DescribeRequest& x) {
  return f(x.resource_id);
}

// Lookup-or-create of a queue. -> QueueReply
struct QueueRequest {
  static constexpr MessageKind kKind = MessageKind::kQueue;
  std::string device;
  std::string container;
  std::string name;
  QueueSpec spec;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QueueRequest& x) {
  return f(x.device, x.container, x.name, x.spec);
}

// Looks up an existing queue; NOT_FOUND if none. -> LookupReply
struct LookupRequest {
  static constexpr MessageKind kKind = MessageKind::kLookup;
  std::string device;
  std::string container;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LookupRequest& x) {
  return f(x.device, x.container, x.name);
}

// Frees the named containers on the device (none named: ""). -> OkReply
struct ResetRequest {
  static constexpr MessageKind kKind = MessageKind::kReset;
  std::string device;
  std::vector<std::string> containers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ResetRequest& x) {
  return f(x.device, x.containers);
}

// Every resource on the device. -> ListReply
struct ListRequest {
  static constexpr MessageKind kKind = MessageKind::kList;
  std::string device;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ListRequest& x) {
  return f(x.device);
}

// Lookup-or-create of a variable. -> VariableReply
struct VariableRequest {
  static constexpr MessageKind kKind = MessageKind::kVariable;
  std::string device;
  std::string container;
  std::string name;
  VariableSpec spec;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VariableRequest& x) {
  return f(x.device, x.container, x.name, x.spec);
}

// Looks up an existing variable; NOT_FOUND if none.
// -> LookupVariableReply
struct LookupVariableRequest {
  static constexpr MessageKind kKind = MessageKind::kLookupVariable;
  std::string device;
  std::string container;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        LookupVariableRequest& x) {
  return f(x.device, x.container, x.name);
}

// Replaces the value. -> OkReply
struct AssignRequest {
  static constexpr MessageKind kKind = MessageKind::kAssign;
  uint64_t resource_id = 0;
  Tensor value;
  bool validate_shape = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AssignRequest& x) {
  return f(x.resource_id, x.value, x.validate_shape);
}

// -> TensorReply with the new value
struct AssignAddRequest {
  static constexpr MessageKind kKind = MessageKind::kAssignAdd;
  uint64_t resource_id = 0;
  Tensor value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AssignAddRequest& x) {
  return f(x.resource_id, x.value);
}

// -> TensorReply with the new value
struct AssignSubRequest {
  static constexpr MessageKind kKind = MessageKind::kAssignSub;
  uint64_t resource_id = 0;
  Tensor value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AssignSubRequest& x) {
  return f(x.resource_id, x.value);
}

// -> TensorReply; FAILED_PRECONDITION while uninitialized
struct ReadRequest {
  static constexpr MessageKind kKind = MessageKind::kRead;
  uint64_t resource_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReadRequest& x) {
  return f(x.resource_id);
}

// -> BoolReply
struct IsInitializedRequest {
  static constexpr MessageKind kKind = MessageKind::kIsInitialized;
  uint64_t resource_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, IsInitializedRequest& x) {
  return f(x.resource_id);
}

// Where a device of the cluster is served. -> ResolveReply
struct ResolveRequest {
  static constexpr MessageKind kKind = MessageKind::kResolve;
  std::string device;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ResolveRequest& x) {
  return f(x.device);
}

// Enqueue, enqueue_many, close, reset and assign succeeded.
struct OkReply {
  static constexpr MessageKind kKind = MessageKind::kOkReply;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OkReply&) {
  return f();
}

// Dequeue, dequeue_many and dequeue_up_to: the element or the batch.
struct TupleReply {
  static constexpr MessageKind kKind = MessageKind::kTupleReply;
  Tuple components;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TupleReply& x) {
  return f(x.components);
}

// How many of the first elements went in, and the error of the rest (OK
// when all did).
struct EnqueueEachReply {
  static constexpr MessageKind kKind = MessageKind::kEnqueueEachReply;
  int32_t enqueued = 0;
  absl::Status error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, EnqueueEachReply& x) {
  return f(x.enqueued, x.error);
}

// Dequeue_some: the elements.
struct TuplesReply {
  static constexpr MessageKind kKind = MessageKind::kTuplesReply;
  std::vector<Tuple> elements;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TuplesReply& x) {
  return f(x.elements);
}

struct SizeReply {
  static constexpr MessageKind kKind = MessageKind::kSizeReply;
  int32_t size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SizeReply& x) {
  return f(x.size);
}

// Is_closed and is_initialized.
struct BoolReply {
  static constexpr MessageKind kKind = MessageKind::kBoolReply;
  bool value = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, BoolReply& x) {
  return f(x.value);
}

struct DescribeReply {
  static constexpr MessageKind kKind = MessageKind::kDescribeReply;
  ResourceInfo info;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DescribeReply& x) {
  return f(x.info);
}

// The queue's id, its spec and whether this call created it.
struct QueueReply {
  static constexpr MessageKind kKind = MessageKind::kQueueReply;
  uint64_t resource_id = 0;
  QueueSpec spec;
  bool created = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QueueReply& x) {
  return f(x.resource_id, x.spec, x.created);
}

struct LookupReply {
  static constexpr MessageKind kKind = MessageKind::kLookupReply;
  uint64_t resource_id = 0;
  QueueSpec spec;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LookupReply& x) {
  return f(x.resource_id, x.spec);
}

struct ListReply {
  static constexpr MessageKind kKind = MessageKind::kListReply;
  std::vector<ResourceInfo> resources;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ListReply& x) {
  return f(x.resources);
}

// The variable's id, its declared spec and whether this call created it.
struct VariableReply {
  static constexpr MessageKind kKind = MessageKind::kVariableReply;
  uint64_t resource_id = 0;
  VariableSpec spec;
  bool created = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VariableReply& x) {
  return f(x.resource_id, x.spec, x.created);
}

struct LookupVariableReply {
  static constexpr MessageKind kKind = MessageKind::kLookupVariableReply;
  uint64_t resource_id = 0;
  VariableSpec spec;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LookupVariableReply& x) {
  return f(x.resource_id, x.spec);
}

// Assign_add, assign_sub and read: the value.
struct TensorReply {
  static constexpr MessageKind kKind = MessageKind::kTensorReply;
  Tensor value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TensorReply& x) {
  return f(x.value);
}

// The device's name and its "host:port".
struct ResolveReply {
  static constexpr MessageKind kKind = MessageKind::kResolveReply;
  std::string device;
  std::string address;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ResolveReply& x) {
  return f(x.device, x.address);
}

// What the task says about itself (TaskStatus).
struct StatusRequest {
  static constexpr MessageKind kKind = MessageKind::kStatus;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StatusRequest&) {
  return f();
}

struct StatusReply {
  static constexpr MessageKind kKind = MessageKind::kStatusReply;
  TaskStatus status;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StatusReply& x) {
  return f(x.status);
}

// --- Checkpoints (cluster/saver.h; the task actor's save, commit, index,
// restore and checkpoints) ---

// Writes this task's shard of checkpoint `prefix`: the named containers
// (none: every one), with queues or not.
struct SaveRequest {
  static constexpr MessageKind kKind = MessageKind::kSave;
  std::string device;
  std::string prefix;
  std::vector<std::string> containers;
  bool include_queues = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SaveRequest& x) {
  return f(x.device, x.prefix, x.containers, x.include_queues);
}

// The shard's file, its tensors and bytes.
struct SaveReply {
  static constexpr MessageKind kKind = MessageKind::kSaveReply;
  std::string file;
  int64_t tensors = 0;
  int64_t bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SaveReply& x) {
  return f(x.file, x.tensors, x.bytes);
}

// Records a checkpoint whose shards are written.
struct CommitRequest {
  static constexpr MessageKind kKind = MessageKind::kCommit;
  std::string device;
  CheckpointInfo info;
  int32_t max_to_keep = 0;
  bool write_index = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CommitRequest& x) {
  return f(x.device, x.info, x.max_to_keep, x.write_index);
}

struct CommitReply {
  static constexpr MessageKind kKind = MessageKind::kCommitReply;
  std::string prefix;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CommitReply& x) {
  return f(x.prefix);
}

// The index of checkpoint `prefix`.
struct IndexRequest {
  static constexpr MessageKind kKind = MessageKind::kIndex;
  std::string device;
  std::string prefix;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, IndexRequest& x) {
  return f(x.device, x.prefix);
}

struct CheckpointReply {
  static constexpr MessageKind kKind = MessageKind::kCheckpointReply;
  CheckpointInfo info;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CheckpointReply& x) {
  return f(x.info);
}

// Restores this task's shard of checkpoint `prefix`.
struct RestoreCheckpointRequest {
  static constexpr MessageKind kKind = MessageKind::kRestoreCheckpoint;
  std::string device;
  std::string prefix;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        RestoreCheckpointRequest& x) {
  return f(x.device, x.prefix);
}

// Tensors restored.
struct RestoreCheckpointReply {
  static constexpr MessageKind kKind = MessageKind::kRestoreCheckpointReply;
  int64_t tensors = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        RestoreCheckpointReply& x) {
  return f(x.tensors);
}

// The checkpoints of directory `dir`, newest first.
struct CheckpointsRequest {
  static constexpr MessageKind kKind = MessageKind::kCheckpoints;
  std::string device;
  std::string dir;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CheckpointsRequest& x) {
  return f(x.device, x.dir);
}

struct CheckpointsReply {
  static constexpr MessageKind kKind = MessageKind::kCheckpointsReply;
  std::vector<CheckpointInfo> checkpoints;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CheckpointsReply& x) {
  return f(x.checkpoints);
}

// --- Readers (cluster/reader.h; the reader actor and the task actor's
// reader, lookup_reader and tfrecord_write) ---

// Lookup-or-create of a reader.
struct ReaderRequest {
  static constexpr MessageKind kKind = MessageKind::kReader;
  std::string device;
  std::string container;
  std::string name;
  ReaderSpec spec;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReaderRequest& x) {
  return f(x.device, x.container, x.name, x.spec);
}

struct ReaderReply {
  static constexpr MessageKind kKind = MessageKind::kReaderReply;
  uint64_t resource_id = 0;
  ReaderSpec spec;
  bool created = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReaderReply& x) {
  return f(x.resource_id, x.spec, x.created);
}

struct LookupReaderRequest {
  static constexpr MessageKind kKind = MessageKind::kLookupReader;
  std::string device;
  std::string container;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LookupReaderRequest& x) {
  return f(x.device, x.container, x.name);
}

struct LookupReaderReply {
  static constexpr MessageKind kKind = MessageKind::kLookupReaderReply;
  uint64_t resource_id = 0;
  ReaderSpec spec;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LookupReaderReply& x) {
  return f(x.resource_id, x.spec);
}

// One record, its work units taken from filename queue `queue`.
struct ReadRecordRequest {
  static constexpr MessageKind kKind = MessageKind::kReadRecord;
  uint64_t resource_id = 0;
  std::string queue;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReadRecordRequest& x) {
  return f(x.resource_id, x.queue, x.timeout_ms);
}

struct RecordReply {
  static constexpr MessageKind kKind = MessageKind::kRecordReply;
  std::string key;
  std::string value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RecordReply& x) {
  return f(x.key, x.value);
}

// Between 1 and n records of one work unit.
struct ReadUpToRequest {
  static constexpr MessageKind kKind = MessageKind::kReadUpTo;
  uint64_t resource_id = 0;
  std::string queue;
  int64_t n = 0;
  int64_t timeout_ms = kWireNoTimeout;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReadUpToRequest& x) {
  return f(x.resource_id, x.queue, x.n, x.timeout_ms);
}

struct RecordsReply {
  static constexpr MessageKind kKind = MessageKind::kRecordsReply;
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RecordsReply& x) {
  return f(x.keys, x.values);
}

struct ReaderStatsRequest {
  static constexpr MessageKind kKind = MessageKind::kReaderStats;
  uint64_t resource_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReaderStatsRequest& x) {
  return f(x.resource_id);
}

// Records produced, work units completed, corrupt records skipped.
struct ReaderStatsReply {
  static constexpr MessageKind kKind = MessageKind::kReaderStatsReply;
  int64_t records_produced = 0;
  int64_t work_units_completed = 0;
  int64_t records_skipped = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReaderStatsReply& x) {
  return f(x.records_produced, x.work_units_completed, x.records_skipped);
}

struct ResetReaderRequest {
  static constexpr MessageKind kKind = MessageKind::kResetReader;
  uint64_t resource_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ResetReaderRequest& x) {
  return f(x.resource_id);
}

struct SerializeReaderRequest {
  static constexpr MessageKind kKind = MessageKind::kSerializeReader;
  uint64_t resource_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        SerializeReaderRequest& x) {
  return f(x.resource_id);
}

// A reader's state as bytes (formats/reader_state.h).
struct ReaderStateReply {
  static constexpr MessageKind kKind = MessageKind::kReaderStateReply;
  std::string state;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReaderStateReply& x) {
  return f(x.state);
}

struct RestoreReaderRequest {
  static constexpr MessageKind kKind = MessageKind::kRestoreReader;
  uint64_t resource_id = 0;
  std::string state;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RestoreReaderRequest& x) {
  return f(x.resource_id, x.state);
}

// Writes a TFRecord file under the task's data directory.
struct TfrecordWriteRequest {
  static constexpr MessageKind kKind = MessageKind::kTfrecordWrite;
  std::string device;
  std::string path;
  std::vector<std::string> records;
  std::string compression;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TfrecordWriteRequest& x) {
  return f(x.device, x.path, x.records, x.compression);
}

// Bytes written.
struct TfrecordWriteReply {
  static constexpr MessageKind kKind = MessageKind::kTfrecordWriteReply;
  int64_t bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TfrecordWriteReply& x) {
  return f(x.bytes);
}

// --- Queue runners and coordinators (cluster/runner.h) ---

// A call about a runner or a coordinator of the task `device`.
struct RunnerRequest {
  static constexpr MessageKind kKind = MessageKind::kRunner;
  std::string device;
  RunnerCall call;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunnerRequest& x) {
  return f(x.device, x.call);
}

struct RunnerReply {
  static constexpr MessageKind kKind = MessageKind::kRunnerReply;
  RunnerStatus status;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunnerReply& x) {
  return f(x.status);
}

using Message = std::variant<
    Heartbeat, ErrorReply, EnqueueRequest, EnqueueManyRequest, DequeueRequest,
    DequeueManyRequest, DequeueUpToRequest, EnqueueEachRequest,
    DequeueSomeRequest, CloseRequest, SizeRequest, IsClosedRequest,
    DescribeRequest, QueueRequest, LookupRequest, ResetRequest, ListRequest,
    VariableRequest, LookupVariableRequest, AssignRequest, AssignAddRequest,
    AssignSubRequest, ReadRequest, IsInitializedRequest, ResolveRequest,
    OkReply, TupleReply, EnqueueEachReply, TuplesReply, SizeReply, BoolReply,
    DescribeReply, QueueReply, LookupReply, ListReply, VariableReply,
    LookupVariableReply, TensorReply, ResolveReply, StatusRequest, StatusReply,
    SaveRequest, SaveReply, CommitRequest, CommitReply, IndexRequest,
    CheckpointReply, RestoreCheckpointRequest, RestoreCheckpointReply,
    CheckpointsRequest, CheckpointsReply, ReaderRequest, ReaderReply,
    LookupReaderRequest, LookupReaderReply, ReadRecordRequest, RecordReply,
    ReadUpToRequest, RecordsReply, ReaderStatsRequest, ReaderStatsReply,
    ResetReaderRequest, SerializeReaderRequest, ReaderStateReply,
    RestoreReaderRequest, TfrecordWriteRequest, TfrecordWriteReply,
    RunnerRequest, RunnerReply>;

// The frame of `message`, answering or sent as `request_id`, its segments
// of at least `shared_min_bytes` in shared memory (EncodeFrame).
// RESOURCE_EXHAUSTED, naming the limit, when the peer would refuse it under
// `limits`.
absl::StatusOr<EncodedFrame> EncodeMessage(
    uint64_t request_id, const Message& message, const WireLimits& limits = {},
    uint64_t shared_min_bytes = kNoSharedMemory);

// The message of `frame`; its tensors take the frame's segment buffers
// without a copy (a string tensor copies its strings out of its segment).
// INVALID_ARGUMENT for an unknown kind or a body that does not decode: every
// count is checked against the bytes left, every tensor against its dtype,
// shape (NumElements) and segment length.
absl::StatusOr<Message> DecodeMessage(Frame frame);

}  // namespace troupe
