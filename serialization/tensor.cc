#include "serialization/tensor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "caf/binary_deserializer.hpp"
#include "caf/deserializer.hpp"
#include "caf/error.hpp"
#include "caf/sec.hpp"
#include "caf/serializer.hpp"

namespace troupe {

namespace {

int64_t CountElements(const Shape& shape) {
  auto count = NumElements(shape);
  return count.ok() ? *count : 0;
}

}  // namespace

Tensor::Tensor()
    : Tensor(DType::kFloat32, Shape{0}, std::make_shared<const Buffer>(), 0) {}

Tensor::Tensor(DType dtype, Shape shape, std::shared_ptr<const Buffer> buffer,
               size_t offset)
    : dtype_(dtype),
      shape_(std::move(shape)),
      num_elements_(CountElements(shape_)),
      buffer_(std::move(buffer)),
      offset_(offset) {}

Tensor::Tensor(DType dtype, Shape shape, int64_t num_elements,
               std::shared_ptr<const Buffer> buffer, size_t offset)
    : dtype_(dtype),
      shape_(std::move(shape)),
      num_elements_(num_elements),
      buffer_(std::move(buffer)),
      offset_(offset),
      view_(true) {}

Tensor Tensor::FromBytes(DType dtype, Shape shape, std::vector<char> bytes) {
  auto buffer = std::make_shared<Buffer>();
  buffer->bytes = std::move(bytes);
  return Tensor(dtype, std::move(shape), std::move(buffer), 0);
}

Tensor Tensor::FromShared(DType dtype, Shape shape, SharedSlice slice) {
  auto buffer = std::make_shared<Buffer>();
  buffer->shared = std::move(slice);
  return Tensor(dtype, std::move(shape), std::move(buffer), 0);
}

SharedSlice Tensor::shared_slice() const {
  const SharedSlice& shared = buffer_->shared;
  if (!shared.region || dtype_ == DType::kString) return {};
  return {shared.region, shared.offset + offset_ * DTypeSize(dtype_),
          byte_size()};
}

Tensor Tensor::FromStrings(Shape shape, StringList strings) {
  auto buffer = std::make_shared<Buffer>();
  buffer->strings = std::move(strings);
  return Tensor(DType::kString, std::move(shape), std::move(buffer), 0);
}

Tensor Tensor::Zeros(DType dtype, Shape shape) {
  int64_t count = CountElements(shape);
  if (dtype == DType::kString) {
    return FromStrings(std::move(shape),
                       StringList::Empty(static_cast<size_t>(count)));
  }
  return FromBytes(
      dtype, std::move(shape),
      std::vector<char>(static_cast<size_t>(count) * DTypeSize(dtype)));
}

const char* Tensor::data() const {
  return buffer_->data() + offset_ * DTypeSize(dtype_);
}

StringsView Tensor::strings() const {
  return StringsView(&buffer_->strings, offset_,
                     static_cast<size_t>(num_elements_));
}

int64_t Tensor::RowSize() const {
  if (shape_[0] > 0) return num_elements_ / shape_[0];
  return CountElements(Shape(shape_.begin() + 1, shape_.end()));
}

Tensor Tensor::Slice(int64_t index) const {
  int64_t stride = RowSize();
  return Tensor(dtype_, Shape(shape_.begin() + 1, shape_.end()), stride,
                buffer_, offset_ + static_cast<size_t>(index * stride));
}

Tensor Tensor::Rows(int64_t begin, int64_t count) const {
  int64_t stride = RowSize();
  Shape rows_shape = shape_;
  rows_shape[0] = count;
  return Tensor(dtype_, std::move(rows_shape), count * stride, buffer_,
                offset_ + static_cast<size_t>(begin * stride));
}

Tensor Tensor::AsBatchOfOne() const {
  Shape batch_shape;
  batch_shape.reserve(shape_.size() + 1);
  batch_shape.push_back(1);
  batch_shape.insert(batch_shape.end(), shape_.begin(), shape_.end());
  Tensor batch(dtype_, std::move(batch_shape), num_elements_, buffer_, offset_);
  batch.view_ = view_;
  return batch;
}

uint64_t Tensor::memory_bytes() const {
  if (dtype_ != DType::kString) return byte_size();
  StringsView values = strings();
  return values.bytes().size() + values.size() * sizeof(uint64_t);
}

absl::Status Tensor::CheckValid() const {
  if (dtype_ == DType::kInvalid || dtype_ > kLastDType) {
    return absl::InvalidArgumentError(
        absl::StrCat("Tensor has an invalid dtype ", static_cast<int>(dtype_)));
  }
  auto count = NumElements(shape_);
  if (!count.ok()) return count.status();
  if (dtype_ == DType::kString) {
    if (offset_ + static_cast<size_t>(*count) > buffer_->strings.size() ||
        (!view_ && static_cast<size_t>(*count) != buffer_->strings.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "String tensor of shape ", ShapeToString(shape_), " holds ",
          buffer_->strings.size(), " strings, expected ", *count));
    }
    return absl::OkStatus();
  }
  size_t element_size = DTypeSize(dtype_);
  const size_t size = buffer_->size();
  if (static_cast<uint64_t>(*count) > size / element_size ||
      (offset_ + static_cast<size_t>(*count)) * element_size > size ||
      (!view_ && static_cast<uint64_t>(*count) * element_size != size)) {
    return absl::InvalidArgumentError(absl::StrCat(
        DTypeName(dtype_), " tensor of shape ", ShapeToString(shape_),
        " holds ", size, " bytes, expected ",
        static_cast<uint64_t>(*count) * element_size));
  }
  return absl::OkStatus();
}

bool operator==(const Tensor& a, const Tensor& b) {
  if (a.dtype_ != b.dtype_ || a.shape_ != b.shape_) return false;
  if (a.dtype_ == DType::kString) {
    auto x = a.strings();
    auto y = b.strings();
    return std::equal(x.begin(), x.end(), y.begin(), y.end());
  }
  return a.byte_size() == 0 ||
         std::memcmp(a.data(), b.data(), a.byte_size()) == 0;
}

caf::error inspect(caf::serializer& f, Tensor& x) {
  auto dtype = static_cast<uint8_t>(x.dtype_);
  if (auto err = f(dtype, x.shape_)) return err;
  if (x.dtype_ == DType::kString) {
    size_t count = static_cast<size_t>(x.num_elements_);
    if (auto err = f.begin_sequence(count)) return err;
    for (absl::string_view value : x.strings()) {
      std::string copy(value);
      if (auto err = f(copy)) return err;
    }
    return f.end_sequence();
  }
  size_t size = x.byte_size();
  if (auto err = f.begin_sequence(size)) return err;
  if (size > 0) {
    if (auto err = f.apply_raw(size, const_cast<char*>(x.data()))) return err;
  }
  return f.end_sequence();
}

caf::error inspect(caf::deserializer& f, Tensor& x) {
  uint8_t dtype = 0;
  Shape shape;
  if (auto err = f(dtype, shape)) return err;
  size_t size = 0;
  if (auto err = f.begin_sequence(size)) return err;
  // A length larger than the bytes left is corrupt; refuse it before
  // allocating.
  if (auto* binary = dynamic_cast<caf::binary_deserializer*>(&f);
      binary != nullptr && size > binary->remaining()) {
    return caf::make_error(caf::sec::end_of_stream);
  }
  auto buffer = std::make_shared<Tensor::Buffer>();
  if (static_cast<DType>(dtype) == DType::kString) {
    buffer->strings.Reserve(size, 0);
    std::string value;
    for (size_t i = 0; i < size; ++i) {
      if (auto err = f(value)) return err;
      buffer->strings.Append(value);
    }
  } else {
    buffer->bytes.resize(size);
    if (size > 0) {
      if (auto err = f.apply_raw(size, buffer->bytes.data())) return err;
    }
  }
  if (auto err = f.end_sequence()) return err;
  x = Tensor(static_cast<DType>(dtype), std::move(shape), std::move(buffer), 0);
  return caf::none;
}

std::string to_string(const Tensor& tensor) {
  return absl::StrCat(DTypeName(tensor.dtype()), ShapeToString(tensor.shape()));
}

}  // namespace troupe
