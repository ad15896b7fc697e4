// Chunk: consecutive queue elements kept as they were enqueued (a whole
// batch, part of one, or a single element), so that batches are never split.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/container/inlined_vector.h"

#include "serialization/tensor.h"

namespace troupe {

// Consecutive queue elements kept as they were enqueued: rows [begin, end) of
// the batch `tensors` (one tensor per component, sharing dimension 0), or,
// when `single`, the one element `tensors` (begin 0, end 1). A queue numbers
// the elements it inserts: the chunk's first is `sequence`, the next
// sequence + 1, and so on (a durable queue's log names them so).
struct Chunk {
  Tuple tensors;
  size_t begin = 0;
  size_t end = 0;
  bool single = false;
  uint64_t sequence = 0;

  static Chunk OfElement(Tuple element);
  // REQUIRES: a valid batch (every component has rank >= 1, same dim 0).
  static Chunk OfBatch(Tuple batch);

  size_t size() const { return end - begin; }
  // Removes the first n elements and returns them (a lone element as a
  // single). REQUIRES: 0 < n <= size().
  Chunk TakeFront(size_t n);
  // Component `c` of the elements as a batch [size(), ...], sharing buffers.
  Tensor Rows(size_t c) const;
  // Component `c` of the elements as values in order, whatever the shape
  // (the element itself or a batch of rows), sharing buffers. Moves the
  // tensor out of a single element, so call it once per component.
  Tensor TakeValues(size_t c);
  // The shape of component `c` of each element.
  Shape RowShape(size_t c) const;
  // Component `c` of element i (0 <= i < size()), sharing buffers.
  Tensor Row(size_t c, size_t i) const;
  // Element i (0 <= i < size()), sharing buffers.
  Tuple Element(size_t i) const;
  // The one element. REQUIRES: size() == 1.
  Tuple ToElement() &&;
  // The bytes the elements' contents take (Tensor::memory_bytes).
  uint64_t MemoryBytes() const;
};

// Chunks taken by one dequeue, oldest first; mostly just one.
using Chunks = absl::InlinedVector<Chunk, 1>;

}  // namespace troupe
