// Batching: stacking elements into a batch and joining batches, the tensor
// operations queues need.
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

// One tensor of `shape` holding the values of `parts` one after another,
// whatever their own shapes. REQUIRES: every part has `dtype` and together
// they hold exactly the values `shape` calls for.
Tensor Concat(absl::Span<const Tensor> parts, DType dtype, Shape shape);

}  // namespace troupe
