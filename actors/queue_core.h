// QueueCore: TensorFlow's QueueBase as a pure state machine, with no threads
// and no actor: pending operations wait in two arrival-ordered lists and are
// completed as the state changes. The queue actor drives it.
//
// Differences from TensorFlow, on purpose: every operation may carry a
// deadline, and an operation that expires, is withdrawn or whose requester is
// gone puts a partial batch back, leaving the queue as if it had never asked.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"

#include "actors/element_store.h"
#include "actors/queue_journal.h"
#include "config/memory_limit.h"
#include "serialization/queue_spec.h"
#include "serialization/tensor.h"

namespace troupe {

class QueueCore {
 public:
  using Clock = std::chrono::steady_clock;
  // The deadline of an operation that waits forever.
  static constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

  // The result of one operation. `value` holds the element (dequeue) or the
  // batch (dequeue_many, dequeue_up_to); `elements` the elements of a
  // dequeue_some; `enqueued` how many elements an enqueue inserted, also
  // when it failed part way.
  struct Completion {
    uint64_t id;
    absl::Status status;
    Tuple value;
    std::vector<Tuple> elements;
    size_t enqueued = 0;
  };

  // At most `max_waiting` operations wait. A dequeue_many or dequeue_up_to
  // may hold at most `max_batch_bytes` of elements while it waits for the
  // rest (Tensor::memory_bytes), and the batch it pads may take at most as
  // much (counting every zero dimension as 1: see NumCells). Past a limit
  // the operation fails RESOURCE_EXHAUSTED and the queue stays as it was.
  // REQUIRES: ValidateQueueSpec(spec, name).ok().
  QueueCore(std::string name, QueueSpec spec, size_t max_waiting,
            uint64_t max_batch_bytes = DefaultMemoryLimit());

  // Each operation is identified by a caller-chosen unique `id` and finishes,
  // now or later, as one Completion returned by TakeCompletions().
  void Enqueue(uint64_t id, Tuple element, Clock::time_point deadline);
  void EnqueueMany(uint64_t id, Tuple batch, Clock::time_point deadline);
  // Enqueues `elements` in order, as many enqueues would, as one operation:
  // they go in as room frees up, and a failure part way (a cancelling close)
  // fails the rest, `enqueued` saying how many went in. All must be valid
  // and of one shape, else INVALID_ARGUMENT and nothing changes. A client
  // coalesces single enqueues this way (actors/queue_coalescer.h).
  void EnqueueEach(uint64_t id, std::vector<Tuple> elements,
                   Clock::time_point deadline);
  void Dequeue(uint64_t id, Clock::time_point deadline);
  // Takes between 1 and `max` elements, waiting only while none may be
  // taken: `max` single dequeues served at once. On a closed queue with
  // nothing left it fails as a dequeue does.
  void DequeueSome(uint64_t id, int32_t max, Clock::time_point deadline);
  void DequeueMany(uint64_t id, int32_t n, Clock::time_point deadline);
  void DequeueUpTo(uint64_t id, int32_t n, Clock::time_point deadline);
  // With an `error` (a queue runner's), dequeues that find too few elements
  // once it is closed fail with that error rather than OUT_OF_RANGE; the
  // first close with an error decides.
  void Close(uint64_t id, bool cancel_pending_enqueues,
             Clock::time_point deadline, absl::Status error = absl::OkStatus());

  // Withdraws the pending operation `id` (no-op if it is not pending): it
  // completes with `status` and gives back any partial batch it holds.
  void Withdraw(uint64_t id, const absl::Status& status);
  // Completes every pending operation whose deadline is <= now with
  // DEADLINE_EXCEEDED.
  void ExpireUntil(Clock::time_point now);
  // Completes every pending operation with CANCELLED, TensorFlow's
  // "... operation was cancelled" followed by `reason`.
  void CancelAll(const std::string& reason);

  // The completions produced since the last call, in completion order.
  std::vector<Completion> TakeCompletions();
  // True while operation `id` waits (it has not completed).
  bool IsPending(uint64_t id) const { return pending_.count(id) > 0; }

  const std::string& name() const { return name_; }
  const QueueSpec& spec() const { return spec_; }
  int32_t size() const { return static_cast<int32_t>(store_->size()); }
  bool closed() const { return closed_; }
  size_t waiting_enqueues() const { return enqueue_ops_.size(); }
  size_t waiting_dequeues() const { return dequeue_ops_.size(); }
  // Elements that waiting dequeue_many and dequeue_up_to hold, outside
  // size(): TensorFlow's semantics let them take more than the capacity.
  size_t held() const;
  // The bytes of the tensors of every element, stored or held
  // (Tensor::memory_bytes).
  uint64_t bytes() const;
  // Elements that entered the queue, and elements that left it to a
  // dequeue, since it was created (a restored checkpoint counts neither).
  uint64_t enqueued_total() const { return enqueued_total_; }
  uint64_t dequeued_total() const { return dequeued_total_; }

  // Every element, those that waiting dequeues hold first, then the stored
  // ones in the order they would leave: what a checkpoint saves.
  std::vector<Tuple> Snapshot() const;
  // The same elements as the chunks that hold them, with their sequence
  // numbers: what a durable queue's log is compacted to.
  void ForEachChunk(const std::function<void(const Chunk&)>& visit) const;
  // Makes the queue hold exactly `elements` (in order; past the capacity if
  // there are more) and be closed or not, as a restored checkpoint does.
  // What waiting dequeues held is dropped with the rest of the old content;
  // waiting operations go on against the new one. REQUIRES: every element
  // is valid for the spec. The journal is not told: the content is new.
  void Restore(bool closed, std::vector<Tuple> elements);

  // Tells `journal` (which must outlive the core; null for none) of every
  // later change to the content.
  void set_journal(QueueJournal* journal) { journal_ = journal; }

 private:
  enum class Kind {
    kEnqueue,
    kEnqueueMany,
    kEnqueueEach,
    kClose,
    kDequeue,
    kDequeueMany,
    kDequeueUpTo,
    kDequeueSome
  };
  enum class Progress { kNone, kSome, kComplete };

  struct Op {
    uint64_t id;
    Kind kind;
    Clock::time_point deadline;
    // How many elements the operation inserts or takes.
    size_t requested = 0;
    Clock::time_point started;
    // Enqueue: the elements not inserted yet.
    Chunk to_insert;
    // Dequeue: the elements taken so far, oldest first, and their count.
    Chunks taken;
    size_t taken_count = 0;
    uint64_t taken_bytes = 0;
  };
  using OpList = std::list<Op>;

  static Op NewOp(uint64_t id, Kind kind, Clock::time_point deadline,
                  size_t requested);
  void Start(Op&& op);
  // DequeueMany or DequeueUpTo (`kind`) of n elements.
  void StartBatchedDequeue(uint64_t id, Kind kind, int32_t n,
                           Clock::time_point deadline);
  void RestoreTaken(Op& op);
  // Numbers the elements of `chunk`, tells the journal and stores them.
  void Insert(Chunk chunk);
  // Tells the journal that the elements of `chunks` left to a dequeue.
  void JournalRemoved(const Chunks& chunks);
  void Flush();
  bool ProcessEnqueues();
  bool ProcessDequeues();
  Progress TryEnqueue(Op& op);
  Progress TryDequeue(Op& op);
  Progress TryDequeueSome(Op& op);
  // TensorFlow's OUT_OF_RANGE for dequeue `op` on a closed queue of `size`.
  absl::Status InsufficientElements(Kind op, size_t requested,
                                    size_t size) const;
  // enqueue_many or enqueue_each: many elements, inserted as room frees up.
  static bool IsBatchEnqueue(Kind kind);
  static bool IsEnqueue(Kind kind);
  void Finish(OpList& list, OpList::iterator it, absl::Status status,
              Tuple value = {}, std::vector<Tuple> elements = {});
  void FinishNow(uint64_t id, absl::Status status, Tuple value = {});
  // The elements of `pieces` as a batch: a view when they are one chunk,
  // else joined, padded where their shapes differ. BatchComponent uses up
  // component `c` of the pieces.
  Tuple Batch(Chunks pieces) const;
  Tensor BatchComponent(Chunks& pieces, size_t c) const;
  // RESOURCE_EXHAUSTED when padding `pieces` into one batch would take more
  // than max_batch_bytes_ (or overflow), naming the shape and sizes.
  absl::Status CheckPaddedBatch(const Chunks& pieces) const;
  absl::Status ValidateElement(const Tuple& element) const;
  absl::Status DequeueManyAllowed(const char* op_name, int32_t n) const;
  std::string TimeoutMessage(const Op& op) const;
  // "; 3 of 5 elements were enqueued and stay in the queue" for an
  // enqueue_many that went in part way, else "".
  static std::string PartlyEnqueued(const Op& op);
  // "FIFOQueue 'name'": the queue as TensorFlow names it in its messages.
  std::string Describe() const;
  // The same, as TensorFlow names it in the messages of operation `op`.
  std::string Describe(Kind op) const;

  const std::string name_;
  const QueueSpec spec_;
  const size_t capacity_;
  const size_t max_waiting_;
  const uint64_t max_batch_bytes_;
  std::unique_ptr<ElementStore> store_;
  // The bytes of the elements in store_ (Chunk::MemoryBytes), kept as they
  // come and go: bytes() must not visit every element (a durable queue asks
  // for it with each batch of its log once the log is large).
  uint64_t stored_bytes_ = 0;
  bool closed_ = false;
  absl::Status close_error_;  // Close's
  uint64_t enqueued_total_ = 0;
  uint64_t dequeued_total_ = 0;
  // The number the next inserted element gets.
  uint64_t next_sequence_ = 0;
  QueueJournal* journal_ = nullptr;
  OpList enqueue_ops_;
  OpList dequeue_ops_;
  std::unordered_map<uint64_t, std::pair<OpList*, OpList::iterator>> pending_;
  std::vector<Completion> completions_;
};

}  // namespace troupe
