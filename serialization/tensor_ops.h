// Batching: splitting a batch into elements and stacking elements into a
// batch, the two tensor operations queues need.
#pragma once

#include <vector>

#include "absl/types/span.h"

#include "serialization/tensor.h"

namespace troupe {

// One tensor of shape [n] + element_shape holding `elements` in order.
// REQUIRES: every element has `dtype` and `element_shape`.
Tensor Stack(absl::Span<const Tensor> elements, DType dtype,
             const Shape& element_shape);

// Splits a tuple of batches into its elements: element i holds slice i of
// every component. REQUIRES: every component has rank >= 1 and the same dim 0.
std::vector<Tuple> UnstackTuple(const Tuple& batches);

}  // namespace troupe
