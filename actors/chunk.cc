#include "actors/chunk.h"

#include <utility>

namespace troupe {

Chunk Chunk::OfElement(Tuple element) {
  return Chunk{std::move(element), 0, 1, true, 0};
}

Chunk Chunk::OfBatch(Tuple batch) {
  auto rows = static_cast<size_t>(batch[0].shape()[0]);
  return Chunk{std::move(batch), 0, rows, false, 0};
}

Chunk Chunk::TakeFront(size_t n) {
  if (n == size()) {
    Chunk front = std::move(*this);
    tensors.clear();
    begin = end;
    return front;
  }
  // A single element leaves as one, sharing the batch's buffers.
  Chunk front = n == 1 ? OfElement(Element(0))
                       : Chunk{tensors, begin, begin + n, false, 0};
  front.sequence = sequence;
  begin += n;
  sequence += n;
  return front;
}

Tensor Chunk::Rows(size_t c) const {
  const Tensor& tensor = tensors[c];
  if (single) return tensor.AsBatchOfOne();
  if (begin == 0 && static_cast<int64_t>(end) == tensor.shape()[0])
    return tensor;
  return tensor.Rows(static_cast<int64_t>(begin), static_cast<int64_t>(size()));
}

Tensor Chunk::TakeValues(size_t c) {
  return single ? std::move(tensors[c]) : Rows(c);
}

Shape Chunk::RowShape(size_t c) const {
  const Shape& shape = tensors[c].shape();
  return single ? shape : Shape(shape.begin() + 1, shape.end());
}

Tensor Chunk::Row(size_t c, size_t i) const {
  if (single) return tensors[c];
  return tensors[c].Slice(static_cast<int64_t>(begin + i));
}

Tuple Chunk::Element(size_t i) const {
  Tuple element;
  element.reserve(tensors.size());
  for (size_t c = 0; c < tensors.size(); ++c) element.push_back(Row(c, i));
  return element;
}

Tuple Chunk::ToElement() && { return single ? std::move(tensors) : Element(0); }

uint64_t Chunk::MemoryBytes() const {
  uint64_t bytes = 0;
  for (size_t c = 0; c < tensors.size(); ++c)
    bytes += single ? tensors[c].memory_bytes() : Rows(c).memory_bytes();
  return bytes;
}

}  // namespace troupe
