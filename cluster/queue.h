// The blocking C++ queues: FIFOQueue (and, as they arrive, the other kinds)
// with TensorFlow's names. The queue is looked up or created on its task at
// the first call, as TensorFlow does it; a different spec under the same
// shared name fails that call INVALID_ARGUMENT.
//
// Every call takes an optional timeout (default: wait forever) that the
// queue itself enforces: past it the call fails DEADLINE_EXCEEDED and the
// queue is as if the call had never been made. After a restart of its task
// the next call fails ABORTED (the queue's elements are gone), the call after
// it looks the queue up again on the new incarnation. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cluster/session.h"
#include "serialization/protocol.h"

namespace troupe {

struct QueueOptions {
  int32_t capacity = 0;
  std::vector<DType> dtypes;
  // One shape per component, or none for a queue without shapes (which
  // cannot dequeue_many). PaddingFIFOQueue shapes may have unknown dims.
  std::vector<PartialShape> shapes;
  std::string shared_name;
  // "/job:J/task:T"; empty: the session's target task.
  std::string device;
  std::string container;
  // RandomShuffleQueue only: dequeues leave at least this many elements
  // while the queue is open, and (seed, seed2) fix the order; (0, 0) picks a
  // fresh random seed.
  int32_t min_after_dequeue = 0;
  int64_t seed = 0;
  int64_t seed2 = 0;
  // A durable queue logs every change under its task's data directory
  // before answering, and is back after the task restarts; the policy says
  // when the log is synced (always, everysec, no). kNone opens a durable
  // queue that exists too.
  Durability durability = Durability::kNone;
};

class QueueBase {
 public:
  QueueBase(const QueueBase&) = delete;
  QueueBase& operator=(const QueueBase&) = delete;

  absl::Status enqueue(Tuple element,
                       absl::Duration timeout = absl::InfiniteDuration());
  // Every component has the batch as dimension 0.
  absl::Status enqueue_many(Tuple batch,
                            absl::Duration timeout = absl::InfiniteDuration());
  absl::StatusOr<Tuple> dequeue(
      absl::Duration timeout = absl::InfiniteDuration());
  absl::StatusOr<Tuple> dequeue_many(
      int32_t n, absl::Duration timeout = absl::InfiniteDuration());
  absl::StatusOr<Tuple> dequeue_up_to(
      int32_t n, absl::Duration timeout = absl::InfiniteDuration());
  absl::Status close(bool cancel_pending_enqueues = false,
                     absl::Duration timeout = absl::InfiniteDuration());
  absl::StatusOr<int32_t> size();
  absl::StatusOr<bool> is_closed();

  // The queue's typed handle, for asynchronous requests from users' own
  // actors: a local actor of this session's system that sends each request
  // over Troupe's wire (cluster/handle_proxy.h). It lives while this queue
  // object or a copy of the handle does. After the queue's task restarted,
  // ABORTED once (as every call), then a handle to the new queue. When its
  // connection is lost it fails its waiting requests UNAVAILABLE and exits
  // with exit_reason::remote_link_unreachable (monitor it to know); later
  // requests to it fail at once (sec::request_receiver_down).
  absl::StatusOr<QueueActor> handle();
  // The same queue through a coalescer in this session's actor system
  // (actors/queue_coalescer.h): the single enqueues and dequeues that are in
  // flight at the same time travel as one message each way. For actors that
  // keep many single operations in flight. Once the queue's task is lost,
  // the coalescer fails every request UNAVAILABLE.
  absl::StatusOr<QueueActor> coalesced_handle();
  const std::string& name() const;
  // The declared spec (the task's, once a call has found the queue).
  QueueSpec spec() const;

 protected:
  // A queue that the first call looks up, creating it with `spec` when
  // `create_if_missing`, else failing NOT_FOUND.
  QueueBase(Session& session, QueueSpec spec, std::string shared_name,
            std::string device, std::string container, bool create_if_missing);
  ~QueueBase();

  // Finds (or creates) the queue on its task now.
  absl::Status Connect(bool* created);

 private:
  // Sends `request` (its resource_id set here) over the wire and waits for
  // its Reply; `timeout` is the one the request carries.
  template <class Reply, class Request>
  absl::StatusOr<Reply> Call(absl::Duration timeout, Request request);

  Session& session_;
  std::unique_ptr<internal::WireResourceHandle<QueueSpec, QueueActor>> wire_;
  // The coalescer of coalesced_handle(), and the actor it stands in front
  // of, under their mutex.
  std::mutex coalescer_mutex_;
  QueueActor coalescer_;
  QueueActor coalesced_;
};

// TensorFlow's FIFOQueue.
class FIFOQueue final : public QueueBase {
 public:
  FIFOQueue(Session& session, QueueOptions options);
};

// TensorFlow's RandomShuffleQueue: elements leave in a uniformly random order.
class RandomShuffleQueue final : public QueueBase {
 public:
  RandomShuffleQueue(Session& session, QueueOptions options);
};

// TensorFlow's PaddingFIFOQueue: shapes may have unknown dimensions, and
// dequeue_many/dequeue_up_to pad them to the largest in the batch with 0,
// false or "".
class PaddingFIFOQueue final : public QueueBase {
 public:
  PaddingFIFOQueue(Session& session, QueueOptions options);
};

// TensorFlow's PriorityQueue. `options.dtypes`/`shapes` describe the values;
// every element carries an int64 scalar priority as its first component
// (smallest first; equal priorities leave in arrival order).
class PriorityQueue final : public QueueBase {
 public:
  PriorityQueue(Session& session, QueueOptions options);
};

// An existing queue of any kind, opened by name; its spec is the task's.
class Queue final : public QueueBase {
 public:
  // NOT_FOUND if the task has no such queue; UNAVAILABLE if it cannot be
  // reached.
  static absl::StatusOr<std::unique_ptr<Queue>> Open(
      Session& session, std::string shared_name, std::string device = "",
      std::string container = "");
  // Looks up or creates the queue `spec` describes; `*created` tells which.
  static absl::StatusOr<std::unique_ptr<Queue>> Create(
      Session& session, QueueSpec spec, std::string shared_name,
      std::string device, std::string container, bool* created);

 private:
  using QueueBase::QueueBase;
};

}  // namespace troupe
