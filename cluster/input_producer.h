// TensorFlow's producers: string_input_producer, range_input_producer,
// slice_input_producer and input_producer, each a FIFOQueue filled by a
// QueueRunner on its task with one epoch per step (shuffled per epoch
// unless told not to), closed after num_epochs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cluster/filled_queue.h"
#include "cluster/session.h"
#include "serialization/queue_spec.h"
#include "serialization/runner_spec.h"
#include "serialization/tensor.h"

namespace troupe {

struct ProducerOptions {
  // Epochs to produce; 0: without end (TensorFlow's None).
  int64_t num_epochs = 0;
  bool shuffle = true;
  // The shuffle's seed; 0: a fresh one.
  int64_t seed = 0;
  int32_t capacity = 32;
  // The queue's (and its runner's) shared name; empty: a fresh one.
  std::string shared_name;
  // The coordinator the runner belongs to (empty: one of its own).
  std::string coordinator;
  // "/job:J/task:T" (empty: the session's target) and container.
  std::string device;
  std::string container;
};

// The producer's queue and runner, started. Its elements are what a step of
// TensorFlow's producer yields; source() feeds them to a batcher.
class Producer final : public FilledQueue {
 public:
  // One element; after the last epoch, OUT_OF_RANGE.
  absl::StatusOr<Tuple> dequeue(
      absl::Duration timeout = absl::InfiniteDuration());

 private:
  friend absl::StatusOr<std::unique_ptr<Producer>> StartProducer(
      Session& session, RunnerSource source, const ProducerOptions& options);
  Producer() = default;
};

// The FIFOQueue of `capacity` that a producer of `source` fills: its
// element is a string or int32 scalar, or a row of each of its tensors.
// REQUIRES: a producer source (strings, range, slices, tensor).
QueueSpec ProducerQueueSpec(const RunnerSource& source, int32_t capacity);

// string_input_producer: a string scalar per element. An empty list is
// INVALID_ARGUMENT "string_input_producer requires a non-null input tensor".
absl::StatusOr<std::unique_ptr<Producer>> StringInputProducer(
    Session& session, std::vector<std::string> strings,
    ProducerOptions options = {});

// range_input_producer: the int32 scalars 0 .. limit-1.
absl::StatusOr<std::unique_ptr<Producer>> RangeInputProducer(
    Session& session, int64_t limit, ProducerOptions options = {});

// slice_input_producer: element i is row i of every tensor (one component
// each). INVALID_ARGUMENT "Expected at least one tensor in
// slice_input_producer()." for none, and for tensors whose first dimensions
// differ (TensorFlow does not check).
absl::StatusOr<std::unique_ptr<Producer>> SliceInputProducer(
    Session& session, Tuple tensors, ProducerOptions options = {});

// input_producer: element i is row i of `tensor`.
absl::StatusOr<std::unique_ptr<Producer>> InputProducer(
    Session& session, Tensor tensor, ProducerOptions options = {});

}  // namespace troupe
