#include "serialization/tensor_ops.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace troupe {

namespace {

// Calls copy(source_index, target_index, count) for every contiguous run of
// an element of shape `from` placed in the leading corner of a block of
// shape `to` (same rank, every dimension at least as large).
template <class CopyRun>
void ForEachRun(const Shape& from, const Shape& to, CopyRun copy) {
  if (from.empty()) return copy(0, 0, 1);
  size_t rank = from.size();
  std::vector<int64_t> target_strides(rank, 1);
  for (size_t k = rank - 1; k > 0; --k) {
    target_strides[k - 1] = target_strides[k] * to[k];
  }
  int64_t run = from[rank - 1];
  for (int64_t d : from) {
    if (d == 0) return;
  }
  std::vector<int64_t> index(rank - 1, 0);
  int64_t source = 0;
  while (true) {
    int64_t target = 0;
    for (size_t k = 0; k + 1 < rank; ++k)
      target += index[k] * target_strides[k];
    copy(source, target, run);
    source += run;
    size_t k = rank - 1;
    while (k > 0) {
      --k;
      if (++index[k] < from[k]) break;
      index[k] = 0;
      if (k == 0) return;
    }
    if (rank == 1) return;
  }
}

}  // namespace

Tensor Concat(absl::Span<const Tensor> parts, DType dtype, Shape shape) {
  if (dtype == DType::kString) {
    size_t count = 0;
    size_t bytes = 0;
    for (const Tensor& part : parts) {
      count += static_cast<size_t>(part.num_elements());
      bytes += part.strings().bytes().size();
    }
    StringList strings;
    strings.Reserve(count, bytes);
    for (const Tensor& part : parts) {
      for (absl::string_view value : part.strings()) strings.Append(value);
    }
    return Tensor::FromStrings(std::move(shape), std::move(strings));
  }
  size_t total = 0;
  for (const Tensor& part : parts) total += part.byte_size();
  std::vector<char> bytes(total);
  char* out = bytes.data();
  for (const Tensor& part : parts) {
    if (part.byte_size() > 0) std::memcpy(out, part.data(), part.byte_size());
    out += part.byte_size();
  }
  return Tensor::FromBytes(dtype, std::move(shape), std::move(bytes));
}

Tensor Stack(absl::Span<const Tensor> elements, DType dtype,
             const Shape& element_shape) {
  Shape shape;
  shape.reserve(element_shape.size() + 1);
  shape.push_back(static_cast<int64_t>(elements.size()));
  shape.insert(shape.end(), element_shape.begin(), element_shape.end());
  return Concat(elements, dtype, std::move(shape));
}

Tensor StackPadded(absl::Span<const Tensor> elements, DType dtype,
                   const PartialShape& element_shape) {
  Shape padded = element_shape.dims;
  for (size_t k = 0; k < padded.size(); ++k) {
    if (padded[k] != PartialShape::kUnknownDim) continue;
    padded[k] = 0;
    for (const Tensor& element : elements) {
      padded[k] = std::max(padded[k], element.shape()[k]);
    }
  }
  int64_t block = 1;
  for (int64_t d : padded) block *= d;
  Shape shape = padded;
  shape.insert(shape.begin(), static_cast<int64_t>(elements.size()));
  size_t count = elements.size() * static_cast<size_t>(block);
  if (dtype == DType::kString) {
    std::vector<absl::string_view> views(count);
    size_t bytes = 0;
    for (size_t i = 0; i < elements.size(); ++i) {
      StringsView values = elements[i].strings();
      bytes += values.bytes().size();
      size_t base = i * static_cast<size_t>(block);
      ForEachRun(elements[i].shape(), padded,
                 [&](int64_t from, int64_t to, int64_t run) {
                   for (int64_t k = 0; k < run; ++k) {
                     views[base + static_cast<size_t>(to + k)] =
                         values[static_cast<size_t>(from + k)];
                   }
                 });
    }
    StringList strings;
    strings.Reserve(count, bytes);
    for (absl::string_view value : views) strings.Append(value);
    return Tensor::FromStrings(std::move(shape), std::move(strings));
  }
  size_t size = DTypeSize(dtype);
  std::vector<char> bytes(count * size);
  for (size_t i = 0; i < elements.size(); ++i) {
    const char* values = elements[i].data();
    char* base = bytes.data() + i * static_cast<size_t>(block) * size;
    ForEachRun(elements[i].shape(), padded,
               [&](int64_t from, int64_t to, int64_t run) {
                 std::memcpy(base + to * size, values + from * size,
                             run * size);
               });
  }
  return Tensor::FromBytes(dtype, std::move(shape), std::move(bytes));
}

}  // namespace troupe
