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

#include "serialization/queue_spec.h"
#include "serialization/resource_info.h"
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

using Message = std::variant<
    Heartbeat, ErrorReply, EnqueueRequest, EnqueueManyRequest, DequeueRequest,
    DequeueManyRequest, DequeueUpToRequest, EnqueueEachRequest,
    DequeueSomeRequest, CloseRequest, SizeRequest, IsClosedRequest,
    DescribeRequest, QueueRequest, LookupRequest, ResetRequest, ListRequest,
    VariableRequest, LookupVariableRequest, AssignRequest, AssignAddRequest,
    AssignSubRequest, ReadRequest, IsInitializedRequest, ResolveRequest,
    OkReply, TupleReply, EnqueueEachReply, TuplesReply, SizeReply, BoolReply,
    DescribeReply, QueueReply, LookupReply, ListReply, VariableReply,
    LookupVariableReply, TensorReply, ResolveReply, StatusRequest, StatusReply>;

// The frame of `message`, answering or sent as `request_id`.
// RESOURCE_EXHAUSTED, naming the limit, when the peer would refuse it under
// `limits`.
absl::StatusOr<EncodedFrame> EncodeMessage(uint64_t request_id,
                                           const Message& message,
                                           const WireLimits& limits = {});

// The message of `frame`; its tensors take the frame's segment buffers
// without a copy (a string tensor copies its strings out of its segment).
// INVALID_ARGUMENT for an unknown kind or a body that does not decode: every
// count is checked against the bytes left, every tensor against its dtype,
// shape (NumElements) and segment length.
absl::StatusOr<Message> DecodeMessage(Frame frame);

}  // namespace troupe
