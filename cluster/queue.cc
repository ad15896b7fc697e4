#include "cluster/queue.h"

#include "absl/strings/str_cat.h"
#include "caf/exit_reason.hpp"
#include "caf/send.hpp"

#include "actors/queue_coalescer.h"
#include "base/status_macros.h"
#include "cluster/wire_call.h"
#include "cluster/wire_resource.h"

namespace troupe {

namespace {

// A tensor whose buffer does not match its dtype and shape never reaches the
// wire: serializing it would read past its buffer, or drop the extra bytes,
// and the task would see a well-formed tensor.
absl::Status CheckTensors(const Tuple& tuple, const std::string& name) {
  for (size_t i = 0; i < tuple.size(); ++i) {
    if (absl::Status valid = tuple[i].CheckValid(); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid tensor in tuple component ", i, ": ",
                       valid.message(), " (queue '", name, "')"));
    }
  }
  return absl::OkStatus();
}

QueueSpec MakeSpec(QueueKind kind, QueueOptions& options) {
  QueueSpec spec;
  spec.kind = kind;
  spec.capacity = options.capacity;
  spec.dtypes = std::move(options.dtypes);
  spec.shapes = std::move(options.shapes);
  spec.min_after_dequeue = options.min_after_dequeue;
  spec.seed = options.seed;
  spec.seed2 = options.seed2;
  spec.durability = options.durability;
  if (kind == QueueKind::kPriority) AddPriorityComponent(spec);
  return spec;
}

}  // namespace

QueueBase::QueueBase(Session& session, QueueSpec spec, std::string shared_name,
                     std::string device, std::string container,
                     bool create_if_missing)
    : session_(session),
      wire_(
          std::make_unique<internal::WireResourceHandle<QueueSpec, QueueActor>>(
              session, "queue", std::move(spec), std::move(shared_name),
              std::move(device), std::move(container), create_if_missing)) {}

QueueBase::~QueueBase() {
  if (coalescer_)
    caf::anon_send_exit(coalescer_, caf::exit_reason::user_shutdown);
}

const std::string& QueueBase::name() const { return wire_->shared_name(); }

QueueSpec QueueBase::spec() const { return wire_->spec(); }

absl::StatusOr<QueueActor> QueueBase::handle() { return wire_->Handle(); }

absl::StatusOr<QueueActor> QueueBase::coalesced_handle() {
  TROUPE_ASSIGN_OR_RETURN(QueueActor actor, wire_->Handle());
  std::lock_guard<std::mutex> lock(coalescer_mutex_);
  if (!coalescer_ || coalesced_ != actor) {
    if (coalescer_)
      caf::anon_send_exit(coalescer_, caf::exit_reason::user_shutdown);
    coalescer_ =
        SpawnQueueCoalescer(session_.system(), actor, name(), wire_->spec());
    coalesced_ = actor;
  }
  return coalescer_;
}

absl::Status QueueBase::Connect(bool* created) {
  return wire_->Connect(created);
}

template <class Reply, class Request>
absl::StatusOr<Reply> QueueBase::Call(absl::Duration timeout, Request request) {
  // The next call after a loss or a reset finds a new, empty queue, or none.
  return wire_->template Call<Reply>(std::move(request), timeout);
}

absl::Status QueueBase::enqueue(Tuple element, absl::Duration timeout) {
  TROUPE_RETURN_IF_ERROR(CheckTensors(element, name()));
  return Call<OkReply>(timeout, EnqueueRequest{0, std::move(element),
                                               internal::ToTimeoutMs(timeout)})
      .status();
}

absl::Status QueueBase::enqueue_many(Tuple batch, absl::Duration timeout) {
  TROUPE_RETURN_IF_ERROR(CheckTensors(batch, name()));
  return Call<OkReply>(timeout,
                       EnqueueManyRequest{0, std::move(batch),
                                          internal::ToTimeoutMs(timeout)})
      .status();
}

absl::StatusOr<Tuple> QueueBase::dequeue(absl::Duration timeout) {
  auto reply = Call<TupleReply>(
      timeout, DequeueRequest{0, internal::ToTimeoutMs(timeout)});
  if (!reply.ok()) return reply.status();
  return std::move(reply->components);
}

absl::StatusOr<Tuple> QueueBase::dequeue_many(int32_t n,
                                              absl::Duration timeout) {
  auto reply = Call<TupleReply>(
      timeout, DequeueManyRequest{0, n, internal::ToTimeoutMs(timeout)});
  if (!reply.ok()) return reply.status();
  return std::move(reply->components);
}

absl::StatusOr<Tuple> QueueBase::dequeue_up_to(int32_t n,
                                               absl::Duration timeout) {
  auto reply = Call<TupleReply>(
      timeout, DequeueUpToRequest{0, n, internal::ToTimeoutMs(timeout)});
  if (!reply.ok()) return reply.status();
  return std::move(reply->components);
}

absl::Status QueueBase::close(bool cancel_pending_enqueues,
                              absl::Duration timeout) {
  return Call<OkReply>(timeout, CloseRequest{0, cancel_pending_enqueues,
                                             internal::ToTimeoutMs(timeout)})
      .status();
}

absl::StatusOr<int32_t> QueueBase::size() {
  auto reply = Call<SizeReply>(internal::kAnsweredAtOnce, SizeRequest{0});
  if (!reply.ok()) return reply.status();
  return reply->size;
}

absl::StatusOr<bool> QueueBase::is_closed() {
  auto reply = Call<BoolReply>(internal::kAnsweredAtOnce, IsClosedRequest{0});
  if (!reply.ok()) return reply.status();
  return reply->value;
}

FIFOQueue::FIFOQueue(Session& session, QueueOptions options)
    : QueueBase(session, MakeSpec(QueueKind::kFifo, options),
                std::move(options.shared_name), std::move(options.device),
                std::move(options.container), true) {}

RandomShuffleQueue::RandomShuffleQueue(Session& session, QueueOptions options)
    : QueueBase(session, MakeSpec(QueueKind::kRandomShuffle, options),
                std::move(options.shared_name), std::move(options.device),
                std::move(options.container), true) {}

PaddingFIFOQueue::PaddingFIFOQueue(Session& session, QueueOptions options)
    : QueueBase(session, MakeSpec(QueueKind::kPaddingFifo, options),
                std::move(options.shared_name), std::move(options.device),
                std::move(options.container), true) {}

PriorityQueue::PriorityQueue(Session& session, QueueOptions options)
    : QueueBase(session, MakeSpec(QueueKind::kPriority, options),
                std::move(options.shared_name), std::move(options.device),
                std::move(options.container), true) {}

absl::StatusOr<std::unique_ptr<Queue>> Queue::Open(Session& session,
                                                   std::string shared_name,
                                                   std::string device,
                                                   std::string container) {
  std::unique_ptr<Queue> queue(
      new Queue(session, QueueSpec{}, std::move(shared_name), std::move(device),
                std::move(container), false));
  TROUPE_RETURN_IF_ERROR(queue->Connect(nullptr));
  return queue;
}

absl::StatusOr<std::unique_ptr<Queue>> Queue::Create(
    Session& session, QueueSpec spec, std::string shared_name,
    std::string device, std::string container, bool* created) {
  std::unique_ptr<Queue> queue(
      new Queue(session, std::move(spec), std::move(shared_name),
                std::move(device), std::move(container), true));
  TROUPE_RETURN_IF_ERROR(queue->Connect(created));
  return queue;
}

}  // namespace troupe
