#include "serialization/tensor_ops.h"

#include <cstring>
#include <string>

namespace troupe {

Tensor Stack(absl::Span<const Tensor> elements, DType dtype,
             const Shape& element_shape) {
  Shape shape;
  shape.reserve(element_shape.size() + 1);
  shape.push_back(static_cast<int64_t>(elements.size()));
  shape.insert(shape.end(), element_shape.begin(), element_shape.end());
  if (dtype == DType::kString) {
    std::vector<std::string> strings;
    for (const Tensor& element : elements) {
      auto values = element.strings();
      strings.insert(strings.end(), values.begin(), values.end());
    }
    return Tensor::FromStrings(std::move(shape), std::move(strings));
  }
  size_t total = 0;
  for (const Tensor& element : elements) total += element.byte_size();
  std::vector<char> bytes(total);
  char* out = bytes.data();
  for (const Tensor& element : elements) {
    if (element.byte_size() > 0)
      std::memcpy(out, element.data(), element.byte_size());
    out += element.byte_size();
  }
  return Tensor::FromBytes(dtype, std::move(shape), std::move(bytes));
}

std::vector<Tuple> UnstackTuple(const Tuple& batches) {
  size_t batch_size =
      batches.empty() ? 0 : static_cast<size_t>(batches[0].shape()[0]);
  std::vector<Tuple> elements(batch_size, Tuple(batches.size()));
  for (size_t component = 0; component < batches.size(); ++component) {
    for (size_t i = 0; i < batch_size; ++i) {
      elements[i][component] =
          batches[component].Slice(static_cast<int64_t>(i));
    }
  }
  return elements;
}

}  // namespace troupe
