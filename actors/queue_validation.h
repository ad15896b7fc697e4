// What a queue accepts: TensorFlow's checks of an element (enqueue) or a
// batch (enqueue_many) against the queue's spec, with TensorFlow's texts.
// Shared by QueueCore and the client-side coalescer.
#pragma once

#include <string>

#include "absl/status/status.h"

#include "serialization/queue_spec.h"
#include "serialization/tensor.h"

namespace troupe {

// "FIFOQueue 'name'": the queue as TensorFlow names it in its messages.
std::string DescribeQueue(const QueueSpec& spec, const std::string& name);

// OK, or INVALID_ARGUMENT saying what in `element` does not fit queue
// `name` of `spec`.
absl::Status ValidateQueueElement(const QueueSpec& spec,
                                  const std::string& name,
                                  const Tuple& element);
// The same for a batch: every component with the batch as dimension 0.
absl::Status ValidateQueueBatch(const QueueSpec& spec, const std::string& name,
                                const Tuple& batch);

}  // namespace troupe
