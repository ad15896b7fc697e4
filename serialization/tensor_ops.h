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

// Stacks elements whose shapes fit `element_shape` but may differ in its
// unknown dimensions: each unknown dimension becomes the largest among the
// elements (0 when there are none), and each element is copied into the
// leading corner of its slice, the rest padded with 0, false or "".
// Any rank. REQUIRES: every element has `dtype` and a compatible shape.
Tensor StackPadded(absl::Span<const Tensor> elements, DType dtype,
                   const PartialShape& element_shape);

// Splits a tuple of batches into its elements: element i holds slice i of
// every component. REQUIRES: every component has rank >= 1 and the same dim 0.
std::vector<Tuple> UnstackTuple(const Tuple& batches);

}  // namespace troupe
