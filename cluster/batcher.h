// TensorFlow's batchers: batch, batch_join, shuffle_batch and
// shuffle_batch_join, each a batching queue (FIFOQueue, PaddingFIFOQueue
// with dynamic_pad, RandomShuffleQueue for the shuffles) on a task, filled by
// a QueueRunner from the batcher's input, and a Batcher that dequeues one
// batch at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cluster/filled_queue.h"
#include "cluster/session.h"
#include "serialization/runner_spec.h"

namespace troupe {

struct BatchOptions {
  int32_t batch_size = 0;
  // Threads of the runner (Batch, ShuffleBatch); the joins run one thread
  // per source.
  int32_t num_threads = 1;
  int32_t capacity = 32;
  // ShuffleBatch and ShuffleBatchJoin: dequeues leave at least this many
  // elements while the queue is open; the seed of the shuffle (0: fresh).
  int32_t min_after_dequeue = 0;
  int64_t seed = 0;
  // Each thing the input yields is a batch of elements (its first
  // dimension), not one element. Producer and read_up_to sources yield
  // batches anyway.
  bool enqueue_many = false;
  // The element's dtypes and shapes (TensorFlow's `shapes`). Empty: inferred
  // from the input, as TensorFlow infers them from the tensors: an upstream
  // queue's components (their rows with enqueue_many), a producer's rows, a
  // reader's CSV columns arranged into components, or its record's value.
  std::vector<DType> dtypes;
  std::vector<PartialShape> shapes;
  // A PaddingFIFOQueue: each batch pads unknown dimensions to its largest
  // element with 0, false or "". Batch and BatchJoin only.
  bool dynamic_pad = false;
  // NextBatch() dequeues up to batch_size, so that the elements left at the
  // end come as one smaller batch instead of being stranded.
  bool allow_smaller_final_batch = false;
  // The batching queue's (and its runner's) shared name; empty: a fresh one.
  std::string shared_name;
  // "/job:J/task:T" (empty: the session's target) and container, of the
  // queue, its runner and every queue or reader the input names.
  std::string device;
  std::string container;
};

// The batching queue and its runner, started.
class Batcher final : public FilledQueue {
 public:
  // The next batch: dequeue_many(batch_size), or dequeue_up_to(batch_size)
  // with allow_smaller_final_batch. Once the input ended and too few
  // elements are left, OUT_OF_RANGE "... is closed and has insufficient
  // elements"; after an error of the input, that error.
  absl::StatusOr<Tuple> NextBatch(
      absl::Duration timeout = absl::InfiniteDuration());
  int32_t batch_size() const { return batch_size_; }

 private:
  friend absl::StatusOr<std::unique_ptr<Batcher>> StartBatcher(
      Session& session, const std::string& kind, bool shuffle, bool join,
      RunnerSpec input, const BatchOptions& options);
  Batcher() = default;

  int32_t batch_size_ = 0;
  bool up_to_ = false;
};

// `input` is what the runner takes (input.sources: one source for Batch and
// ShuffleBatch, one per thread for the joins) and how it makes elements
// (decode_csv, components; num_epochs, shuffle and seed for a producer
// source) and its coordinator; the batcher sets its target, threads and
// enqueue_many. INVALID_ARGUMENT in TensorFlow's words: "Expected at least
// one tensor in batch().", "Expected at least one input in batch_join().",
// "capacity 10 must be bigger than min_after_dequeue 10.", "Expected types
// to be consistent: float vs. int32."; and for batch_size, num_threads or
// capacity below 1.
absl::StatusOr<std::unique_ptr<Batcher>> Batch(Session& session,
                                               RunnerSpec input,
                                               const BatchOptions& options);
absl::StatusOr<std::unique_ptr<Batcher>> BatchJoin(Session& session,
                                                   RunnerSpec input,
                                                   const BatchOptions& options);
absl::StatusOr<std::unique_ptr<Batcher>> ShuffleBatch(
    Session& session, RunnerSpec input, const BatchOptions& options);
absl::StatusOr<std::unique_ptr<Batcher>> ShuffleBatchJoin(
    Session& session, RunnerSpec input, const BatchOptions& options);

// The input of a batcher that takes from `source` alone (a producer's
// source(), a queue, a reader), with nothing else to set.
RunnerSpec BatchInput(RunnerSource source);

}  // namespace troupe
