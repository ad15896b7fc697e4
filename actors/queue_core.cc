#include "actors/queue_core.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

#include "actors/queue_validation.h"
#include "base/status_macros.h"
#include "serialization/tensor_ops.h"

// The life of an operation:
//
//   submitted ──validate──► failed (INVALID_ARGUMENT, queue unchanged)
//       │
//       ▼
//   pending in enqueue_ops_ or dequeue_ops_, served head-first in arrival
//   order whenever the state changes (Flush)
//       │             │                        │
//       ▼             ▼                        ▼
//   complete     expired / withdrawn      cancelled (close with
//                (partial batch put back) cancel_pending_enqueues, reset)

namespace troupe {

namespace {

const char* KindVerb(bool enqueue) { return enqueue ? "Enqueue" : "Dequeue"; }

}  // namespace

QueueCore::QueueCore(std::string name, QueueSpec spec, size_t max_waiting,
                     uint64_t max_batch_bytes)
    : name_(std::move(name)),
      spec_(std::move(spec)),
      capacity_(static_cast<size_t>(spec_.capacity)),
      max_waiting_(max_waiting),
      max_batch_bytes_(max_batch_bytes),
      store_(MakeElementStore(spec_)) {}

std::string QueueCore::Describe(Kind op) const {
  // TensorFlow's PaddingFIFOQueue inherits FIFOQueue's single-element
  // operations and their texts; only its batched dequeues say "Padding".
  bool batched = op == Kind::kDequeueMany || op == Kind::kDequeueUpTo;
  if (spec_.kind == QueueKind::kPaddingFifo && !batched) {
    return absl::StrCat("FIFOQueue '", name_, "'");
  }
  return Describe();
}

std::string QueueCore::Describe() const { return DescribeQueue(spec_, name_); }

absl::Status QueueCore::ValidateElement(const Tuple& element) const {
  return ValidateQueueElement(spec_, name_, element);
}

absl::Status QueueCore::DequeueManyAllowed(const char* op_name,
                                           int32_t n) const {
  // TensorFlow's DequeueManyOp/DequeueUpToOp kernels check n before the queue
  // looks at its shapes.
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(op_name, " requested ", n, " < 0 elements"));
  }
  if (spec_.kind == QueueKind::kPriority && !spec_.has_shapes()) {
    return absl::InvalidArgumentError(
        "PriorityQueue's DequeueMany requires the components to have "
        "specified shapes.");
  }
  if (!spec_.has_shapes()) {
    return absl::InvalidArgumentError(
        absl::StrCat(QueueKindName(spec_.kind),
                     "'s DequeueMany and DequeueUpTo require the components to "
                     "have specified shapes."));
  }
  return absl::OkStatus();
}

// -- operations ---------------------------------------------------------------

void QueueCore::Enqueue(uint64_t id, Tuple element,
                        Clock::time_point deadline) {
  if (auto valid = ValidateElement(element); !valid.ok())
    return FinishNow(id, valid);
  Op op = NewOp(id, Kind::kEnqueue, deadline, 1);
  op.to_insert = Chunk::OfElement(std::move(element));
  Start(std::move(op));
}

void QueueCore::EnqueueMany(uint64_t id, Tuple batch,
                            Clock::time_point deadline) {
  if (auto valid = ValidateQueueBatch(spec_, name_, batch); !valid.ok())
    return FinishNow(id, valid);
  Chunk chunk = Chunk::OfBatch(std::move(batch));
  // TensorFlow completes an empty batch at once, even on a closed queue.
  if (chunk.size() == 0) return FinishNow(id, absl::OkStatus());
  Op op = NewOp(id, Kind::kEnqueueMany, deadline, chunk.size());
  op.to_insert = std::move(chunk);
  Start(std::move(op));
}

void QueueCore::EnqueueEach(uint64_t id, std::vector<Tuple> elements,
                            Clock::time_point deadline) {
  if (elements.empty()) return FinishNow(id, absl::OkStatus());
  const Tuple& first = elements.front();
  for (const Tuple& element : elements) {
    if (auto valid = ValidateElement(element); !valid.ok())
      return FinishNow(id, valid);
    for (size_t c = 0; c < element.size(); ++c) {
      if (element[c].shape() != first[c].shape()) {
        return FinishNow(
            id, absl::InvalidArgumentError(absl::StrCat(
                    "The elements of an enqueue_each must share their shapes; "
                    "component ",
                    c, " has ", ShapeToString(first[c].shape()), " and ",
                    ShapeToString(element[c].shape()), " (", Describe(), ")")));
      }
    }
  }
  Tuple batch;
  batch.reserve(first.size());
  std::vector<Tensor> column;
  column.reserve(elements.size());
  for (size_t c = 0; c < first.size(); ++c) {
    column.clear();
    for (const Tuple& element : elements) column.push_back(element[c]);
    batch.push_back(Stack(column, first[c].dtype(), first[c].shape()));
  }
  Op op = NewOp(id, Kind::kEnqueueEach, deadline, elements.size());
  op.to_insert = Chunk::OfBatch(std::move(batch));
  Start(std::move(op));
}

void QueueCore::Dequeue(uint64_t id, Clock::time_point deadline) {
  Start(NewOp(id, Kind::kDequeue, deadline, 1));
}

void QueueCore::DequeueSome(uint64_t id, int32_t max,
                            Clock::time_point deadline) {
  if (max < 1) {
    return FinishNow(id, absl::InvalidArgumentError(absl::StrCat(
                             "DequeueSome requested ", max, " < 1 elements")));
  }
  Start(NewOp(id, Kind::kDequeueSome, deadline, static_cast<size_t>(max)));
}

void QueueCore::DequeueMany(uint64_t id, int32_t n,
                            Clock::time_point deadline) {
  StartBatchedDequeue(id, Kind::kDequeueMany, n, deadline);
}

void QueueCore::DequeueUpTo(uint64_t id, int32_t n,
                            Clock::time_point deadline) {
  StartBatchedDequeue(id, Kind::kDequeueUpTo, n, deadline);
}

void QueueCore::StartBatchedDequeue(uint64_t id, Kind kind, int32_t n,
                                    Clock::time_point deadline) {
  const char* op_name =
      kind == Kind::kDequeueMany ? "DequeueManyOp" : "DequeueUpToOp";
  if (auto allowed = DequeueManyAllowed(op_name, n); !allowed.ok()) {
    return FinishNow(id, allowed);
  }
  if (n == 0) return FinishNow(id, absl::OkStatus(), Batch({}));
  Start(NewOp(id, kind, deadline, static_cast<size_t>(n)));
}

void QueueCore::Close(uint64_t id, bool cancel_pending_enqueues,
                      Clock::time_point deadline, absl::Status error) {
  if (close_error_.ok()) close_error_ = std::move(error);
  if (!cancel_pending_enqueues) {
    // A close waits behind every enqueue that arrived before it.
    return Start(NewOp(id, Kind::kClose, deadline, 0));
  }
  closed_ = true;
  while (!enqueue_ops_.empty()) {
    Finish(enqueue_ops_, enqueue_ops_.begin(),
           absl::CancelledError(
               absl::StrCat("Enqueue operation was cancelled",
                            PartlyEnqueued(enqueue_ops_.front()))));
  }
  FinishNow(id, absl::OkStatus());
  Flush();
}

void QueueCore::Withdraw(uint64_t id, const absl::Status& status) {
  auto found = pending_.find(id);
  if (found == pending_.end()) return;
  auto [list, it] = found->second;
  RestoreTaken(*it);
  Finish(*list, it, status);
  Flush();
}

void QueueCore::ExpireUntil(Clock::time_point now) {
  // Every expired operation leaves before the queue serves anyone, so that an
  // expired operation is not served by what another expired one gives back.
  bool expired = false;
  for (OpList* list : {&enqueue_ops_, &dequeue_ops_}) {
    for (auto it = list->begin(); it != list->end();) {
      auto next = std::next(it);
      if (it->deadline <= now) {
        RestoreTaken(*it);
        absl::Status status = absl::DeadlineExceededError(TimeoutMessage(*it));
        Finish(*list, it, std::move(status));
        expired = true;
      }
      it = next;
    }
  }
  if (expired) Flush();
}

void QueueCore::CancelAll(const std::string& reason) {
  for (OpList* list : {&enqueue_ops_, &dequeue_ops_}) {
    bool enqueue = list == &enqueue_ops_;
    while (!list->empty()) {
      auto it = list->begin();
      RestoreTaken(*it);
      Finish(*list, it,
             absl::CancelledError(absl::StrCat(
                 KindVerb(enqueue), " operation was cancelled: ", reason)));
    }
  }
}

std::vector<QueueCore::Completion> QueueCore::TakeCompletions() {
  return std::exchange(completions_, {});
}

std::string QueueCore::TimeoutMessage(const Op& op) const {
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                    Clock::now() - op.started)
                    .count();
  bool enqueue = IsEnqueue(op.kind);
  std::string message =
      op.kind == Kind::kClose
          ? absl::StrCat("Timed out after ", waited, " ms waiting to close ",
                         Describe())
          : absl::StrCat("Timed out after ", waited, " ms waiting to ",
                         enqueue ? "enqueue to " : "dequeue from ", Describe());
  return absl::StrCat(message, PartlyEnqueued(op));
}

std::string QueueCore::PartlyEnqueued(const Op& op) {
  size_t inserted = op.requested - op.to_insert.size();
  // Not for an enqueue_each: its elements are answered one by one.
  if (op.kind != Kind::kEnqueueMany || inserted == 0) return "";
  return absl::StrCat("; ", inserted, " of ", op.requested,
                      " elements were enqueued and stay in the queue");
}

// -- serving ------------------------------------------------------------------

QueueCore::Op QueueCore::NewOp(uint64_t id, Kind kind,
                               Clock::time_point deadline, size_t requested) {
  Op op;
  op.id = id;
  op.kind = kind;
  op.deadline = deadline;
  op.requested = requested;
  op.started = Clock::now();
  return op;
}

void QueueCore::RestoreTaken(Op& op) {
  if (op.taken.empty()) return;
  store_->Restore(std::exchange(op.taken, {}));
  stored_bytes_ += op.taken_bytes;
  op.taken_count = 0;
  op.taken_bytes = 0;
}

void QueueCore::Insert(Chunk chunk) {
  chunk.sequence = next_sequence_;
  next_sequence_ += chunk.size();
  if (journal_ != nullptr) journal_->Inserted(chunk);
  stored_bytes_ += chunk.MemoryBytes();
  store_->Push(std::move(chunk));
}

void QueueCore::JournalRemoved(const Chunks& chunks) {
  if (journal_ == nullptr) return;
  for (const Chunk& chunk : chunks)
    journal_->Removed(chunk.sequence, chunk.size());
}

void QueueCore::ForEachChunk(
    const std::function<void(const Chunk&)>& visit) const {
  for (const Op& op : dequeue_ops_) {
    for (const Chunk& chunk : op.taken) visit(chunk);
  }
  store_->ForEach(visit);
}

std::vector<Tuple> QueueCore::Snapshot() const {
  std::vector<Tuple> elements;
  ForEachChunk([&elements](const Chunk& chunk) {
    for (size_t i = 0; i < chunk.size(); ++i)
      elements.push_back(chunk.Element(i));
  });
  return elements;
}

void QueueCore::Restore(bool closed, std::vector<Tuple> elements) {
  for (Op& op : dequeue_ops_) {
    op.taken.clear();
    op.taken_count = 0;
    op.taken_bytes = 0;
  }
  store_ = MakeElementStore(spec_);
  stored_bytes_ = 0;
  for (Tuple& element : elements) {
    Chunk chunk = Chunk::OfElement(std::move(element));
    chunk.sequence = next_sequence_++;
    stored_bytes_ += chunk.MemoryBytes();
    store_->Push(std::move(chunk));
  }
  closed_ = closed;
  Flush();
}

uint64_t QueueCore::bytes() const {
  uint64_t total = stored_bytes_;
  for (const Op& op : dequeue_ops_) total += op.taken_bytes;
  return total;
}

size_t QueueCore::held() const {
  size_t held = 0;
  for (const Op& op : dequeue_ops_) held += op.taken_count;
  return held;
}

void QueueCore::Start(Op&& op) {
  uint64_t id = op.id;
  bool enqueue = IsEnqueue(op.kind) || op.kind == Kind::kClose;
  auto too_many = [this] {
    return absl::ResourceExhaustedError(
        absl::StrCat("Too many operations waiting on ", Describe(), " (limit ",
                     max_waiting_, "); retry later"));
  };
  // With no dequeue waiting nothing frees space while this enqueue_many runs:
  // if it does not fit it would insert part of its batch, wait, and be refused
  // below with the queue changed. Refuse it before it starts.
  if (IsBatchEnqueue(op.kind) && pending_.size() >= max_waiting_ && !closed_ &&
      dequeue_ops_.empty() &&
      store_->size() + op.to_insert.size() > capacity_) {
    return FinishNow(id, too_many());
  }
  OpList& list = enqueue ? enqueue_ops_ : dequeue_ops_;
  list.push_back(std::move(op));
  pending_.emplace(id, std::make_pair(&list, std::prev(list.end())));
  Flush();
  if (pending_.count(id) > 0 && pending_.size() > max_waiting_)
    Withdraw(id, too_many());
}

void QueueCore::Flush() {
  bool progress = true;
  while (progress) {
    progress = ProcessEnqueues();
    progress = ProcessDequeues() || progress;
  }
}

bool QueueCore::ProcessEnqueues() {
  bool progress = false;
  while (!enqueue_ops_.empty()) {
    Op& op = enqueue_ops_.front();
    Progress result = TryEnqueue(op);
    if (result == Progress::kNone) break;
    progress = true;
    if (result == Progress::kSome) break;
  }
  return progress;
}

bool QueueCore::ProcessDequeues() {
  bool progress = false;
  while (!dequeue_ops_.empty()) {
    Op& op = dequeue_ops_.front();
    Progress result = TryDequeue(op);
    if (result == Progress::kNone) break;
    progress = true;
    if (result == Progress::kSome) break;
  }
  return progress;
}

QueueCore::Progress QueueCore::TryEnqueue(Op& op) {
  if (op.kind == Kind::kClose) {
    if (closed_) {
      Finish(enqueue_ops_, enqueue_ops_.begin(),
             absl::CancelledError(
                 absl::StrCat("Queue '", name_, "' is already closed.")));
    } else {
      closed_ = true;
      if (journal_ != nullptr) journal_->Closed();
      Finish(enqueue_ops_, enqueue_ops_.begin(), absl::OkStatus());
    }
    return Progress::kComplete;
  }
  if (closed_) {
    Finish(
        enqueue_ops_, enqueue_ops_.begin(),
        absl::CancelledError(absl::StrCat(Describe(op.kind), " is closed.")));
    return Progress::kComplete;
  }
  size_t room = store_->size() < capacity_ ? capacity_ - store_->size() : 0;
  size_t inserted = std::min(room, op.to_insert.size());
  if (inserted > 0) Insert(op.to_insert.TakeFront(inserted));
  enqueued_total_ += inserted;
  if (op.to_insert.size() == 0) {
    Finish(enqueue_ops_, enqueue_ops_.begin(), absl::OkStatus());
    return Progress::kComplete;
  }
  return inserted > 0 ? Progress::kSome : Progress::kNone;
}

QueueCore::Progress QueueCore::TryDequeue(Op& op) {
  if (op.kind == Kind::kDequeueSome) return TryDequeueSome(op);
  size_t remaining = op.requested - op.taken_count;
  if (closed_ && store_->size() < remaining) {
    size_t size_before = store_->size();
    RestoreTaken(op);
    if (op.kind == Kind::kDequeueUpTo && store_->size() > 0) {
      // A short final batch: everything that is left.
      op.requested = store_->size();
    } else {
      Finish(dequeue_ops_, dequeue_ops_.begin(),
             InsufficientElements(op.kind, remaining, size_before));
      return Progress::kComplete;
    }
  }
  if (store_->TakesBatchAtOnce() &&
      store_->Available(closed_) < op.requested - op.taken_count) {
    return Progress::kNone;
  }
  size_t taken = 0;
  while (op.taken_count < op.requested) {
    size_t available = store_->Available(closed_);
    if (available == 0) break;
    Chunk chunk =
        store_->Pop(std::min(available, op.requested - op.taken_count));
    const uint64_t chunk_bytes = chunk.MemoryBytes();
    stored_bytes_ -= chunk_bytes;
    taken += chunk.size();
    op.taken_count += chunk.size();
    op.taken_bytes += chunk_bytes;
    op.taken.push_back(std::move(chunk));
    if (op.kind != Kind::kDequeue && op.taken_bytes > max_batch_bytes_) {
      absl::Status too_big = absl::ResourceExhaustedError(absl::StrCat(
          Describe(op.kind), ": a batch of ", op.requested,
          " elements would hold more than the task's memory limit of ",
          max_batch_bytes_, " bytes (", op.taken_count, " elements take ",
          op.taken_bytes, "); the elements stay in the queue"));
      RestoreTaken(op);
      Finish(dequeue_ops_, dequeue_ops_.begin(), std::move(too_big));
      return Progress::kComplete;
    }
  }
  if (op.taken_count < op.requested)
    return taken > 0 ? Progress::kSome : Progress::kNone;
  if (op.kind != Kind::kDequeue) {
    if (absl::Status fits = CheckPaddedBatch(op.taken); !fits.ok()) {
      RestoreTaken(op);
      Finish(dequeue_ops_, dequeue_ops_.begin(), std::move(fits));
      return Progress::kComplete;
    }
  }
  dequeued_total_ += op.taken_count;
  JournalRemoved(op.taken);
  Tuple value = op.kind == Kind::kDequeue
                    ? std::move(op.taken.front()).ToElement()
                    : Batch(std::move(op.taken));
  Finish(dequeue_ops_, dequeue_ops_.begin(), absl::OkStatus(),
         std::move(value));
  return Progress::kComplete;
}

absl::Status QueueCore::InsufficientElements(Kind op, size_t requested,
                                             size_t size) const {
  if (!close_error_.ok()) return close_error_;
  return absl::OutOfRangeError(absl::StrCat(
      Describe(op), " is closed and has insufficient elements (requested ",
      requested, ", current size ", size, ")"));
}

QueueCore::Progress QueueCore::TryDequeueSome(Op& op) {
  if (store_->Available(closed_) == 0) {
    if (!closed_) return Progress::kNone;
    Finish(dequeue_ops_, dequeue_ops_.begin(),
           InsufficientElements(op.kind, 1, store_->size()));
    return Progress::kComplete;
  }
  std::vector<Tuple> elements;
  while (elements.size() < op.requested) {
    size_t available = store_->Available(closed_);
    if (available == 0) break;
    Chunk chunk =
        store_->Pop(std::min(available, op.requested - elements.size()));
    if (journal_ != nullptr) journal_->Removed(chunk.sequence, chunk.size());
    stored_bytes_ -= chunk.MemoryBytes();
    for (size_t i = 0; i < chunk.size(); ++i)
      elements.push_back(chunk.Element(i));
  }
  dequeued_total_ += elements.size();
  Finish(dequeue_ops_, dequeue_ops_.begin(), absl::OkStatus(), {},
         std::move(elements));
  return Progress::kComplete;
}

Tuple QueueCore::Batch(Chunks pieces) const {
  Tuple batch;
  batch.reserve(spec_.dtypes.size());
  for (size_t c = 0; c < spec_.dtypes.size(); ++c)
    batch.push_back(BatchComponent(pieces, c));
  return batch;
}

Tensor QueueCore::BatchComponent(Chunks& pieces, size_t c) const {
  DType dtype = spec_.dtypes[c];
  const PartialShape& shape = spec_.shapes[c];
  if (pieces.empty()) {
    return shape.IsFullyDefined() ? Stack({}, dtype, shape.dims)
                                  : StackPadded({}, dtype, shape);
  }
  // The rows of one chunk share their shape and need no padding: a view.
  if (pieces.size() == 1) return pieces[0].Rows(c);
  // Elements of a fully defined shape are joined as they are; others only
  // when their shapes agree, else padded.
  bool fully_defined = shape.IsFullyDefined();
  Shape row_shape = fully_defined ? shape.dims : pieces[0].RowShape(c);
  bool same_row_shape =
      fully_defined ||
      std::all_of(pieces.begin(), pieces.end(), [&](const Chunk& piece) {
        return piece.RowShape(c) == row_shape;
      });
  if (same_row_shape) {
    size_t rows = 0;
    std::vector<Tensor> parts;
    parts.reserve(pieces.size());
    for (Chunk& piece : pieces) {
      rows += piece.size();
      parts.push_back(piece.TakeValues(c));
    }
    row_shape.insert(row_shape.begin(), static_cast<int64_t>(rows));
    return Concat(parts, dtype, std::move(row_shape));
  }
  std::vector<Tensor> elements;
  for (const Chunk& piece : pieces) {
    for (size_t i = 0; i < piece.size(); ++i)
      elements.push_back(piece.Row(c, i));
  }
  return StackPadded(elements, dtype, shape);
}

absl::Status QueueCore::CheckPaddedBatch(const Chunks& pieces) const {
  int64_t rows = 0;
  for (const Chunk& piece : pieces) rows += static_cast<int64_t>(piece.size());
  uint64_t bytes = 0;
  for (size_t c = 0; c < spec_.dtypes.size(); ++c) {
    const PartialShape& element_shape = spec_.shapes[c];
    if (element_shape.IsFullyDefined()) continue;
    Shape shape = {rows};
    for (size_t k = 0; k < element_shape.dims.size(); ++k) {
      int64_t dim = element_shape.dims[k];
      if (dim == PartialShape::kUnknownDim) {
        dim = 0;
        for (const Chunk& piece : pieces)
          dim = std::max(dim, piece.RowShape(c)[k]);
      }
      shape.push_back(dim);
    }
    // A padded string is a std::string of its own even when empty.
    const uint64_t cell_bytes = spec_.dtypes[c] == DType::kString
                                    ? sizeof(std::string)
                                    : DTypeSize(spec_.dtypes[c]);
    absl::StatusOr<int64_t> cells = NumCells(shape);
    const bool overflows =
        !cells.ok() ||
        static_cast<uint64_t>(*cells) >
            (std::numeric_limits<uint64_t>::max() - bytes) / cell_bytes;
    if (!overflows) bytes += static_cast<uint64_t>(*cells) * cell_bytes;
    if (overflows || bytes > max_batch_bytes_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          Describe(Kind::kDequeueMany), ": the batch of ", rows,
          " elements, padded to ", ShapeToString(shape), " in component ", c,
          ", would take ",
          overflows ? std::string("more bytes than 64 bits count")
                    : absl::StrCat(bytes, " bytes"),
          ", more than the task's memory limit of ", max_batch_bytes_,
          " bytes; the elements stay in the queue"));
    }
  }
  return absl::OkStatus();
}

bool QueueCore::IsBatchEnqueue(Kind kind) {
  return kind == Kind::kEnqueueMany || kind == Kind::kEnqueueEach;
}

bool QueueCore::IsEnqueue(Kind kind) {
  return kind == Kind::kEnqueue || IsBatchEnqueue(kind);
}

void QueueCore::Finish(OpList& list, OpList::iterator it, absl::Status status,
                       Tuple value, std::vector<Tuple> elements) {
  uint64_t id = it->id;
  size_t enqueued =
      IsEnqueue(it->kind) ? it->requested - it->to_insert.size() : 0;
  pending_.erase(id);
  list.erase(it);
  completions_.push_back(Completion{id, std::move(status), std::move(value),
                                    std::move(elements), enqueued});
}

void QueueCore::FinishNow(uint64_t id, absl::Status status, Tuple value) {
  completions_.push_back(
      Completion{id, std::move(status), std::move(value), {}, 0});
}

}  // namespace troupe
