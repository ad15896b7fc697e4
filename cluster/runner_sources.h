// Makers of the RunnerSources (serialization/runner_spec.h) that a
// QueueRunner, a producer or a batcher takes from, one per kind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "serialization/runner_spec.h"
#include "serialization/tensor.h"

namespace troupe {

// Dequeues one element of `queue` per step.
RunnerSource DequeueSource(std::string queue);
// string_input_producer's: a string scalar per element.
RunnerSource StringsSource(std::vector<std::string> strings);
// range_input_producer's: the int32 scalars 0 .. limit-1.
RunnerSource RangeSource(int64_t limit);
// slice_input_producer's: row i of every tensor.
RunnerSource SlicesSource(Tuple tensors);
// input_producer's: row i of `tensor`.
RunnerSource TensorSource(Tensor tensor);

}  // namespace troupe
