// Tensor: a dtype, a shape and an immutable, reference-counted buffer.
// Copying or slicing a Tensor never copies its bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

#include "serialization/dtype.h"
#include "serialization/shape.h"
#include "serialization/shared_region.h"
#include "serialization/string_list.h"

namespace caf {
class serializer;
class deserializer;
class error;
}  // namespace caf

namespace troupe {

class Tensor {
 public:
  // An empty float32 tensor of shape [0].
  Tensor();

  // Takes `bytes` as the tensor's contents. REQUIRES: numeric or bool `dtype`
  // and bytes.size() == DTypeSize(dtype) * elements of `shape`; use
  // CheckValid() on tensors built from untrusted input.
  static Tensor FromBytes(DType dtype, Shape shape, std::vector<char> bytes);
  static Tensor FromStrings(Shape shape, StringList strings);
  // Takes the bytes of `slice` (mapped shared memory) as the tensor's
  // contents, without a copy: the region is unmapped when the last tensor
  // using it goes. REQUIRES: as for FromBytes, with slice.length bytes.
  static Tensor FromShared(DType dtype, Shape shape, SharedSlice slice);

  template <class T>
  static Tensor FromVector(Shape shape, const std::vector<T>& values) {
    if constexpr (std::is_same_v<T, std::string>) {
      return FromStrings(std::move(shape), values);
    } else if constexpr (std::is_same_v<T, bool>) {
      std::vector<char> bytes(values.begin(), values.end());
      return FromBytes(DType::kBool, std::move(shape), std::move(bytes));
    } else {
      std::vector<char> bytes(values.size() * sizeof(T));
      if (!bytes.empty())
        std::memcpy(bytes.data(), values.data(), bytes.size());
      return FromBytes(DTypeOf<T>::value, std::move(shape), std::move(bytes));
    }
  }
  // A scalar holding `value`.
  template <class T>
  static Tensor Scalar(T value) {
    return FromVector<T>({}, std::vector<T>{std::move(value)});
  }
  // A tensor of `dtype` and `shape` filled with zeros, false or "".
  static Tensor Zeros(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t num_elements() const { return num_elements_; }
  // Bytes of the numeric contents (0 for strings).
  size_t byte_size() const {
    return static_cast<size_t>(num_elements_) * DTypeSize(dtype_);
  }
  // Bytes the contents take in memory: byte_size() for numbers; for strings
  // their lengths plus an offset each.
  uint64_t memory_bytes() const;
  // The numeric contents; REQUIRES: dtype() != kString.
  const char* data() const;

  // The contents as `T`. REQUIRES: DTypeOf<T>::value == dtype() != kString.
  template <class T>
  absl::Span<const T> flat() const {
    static_assert(!std::is_same_v<T, std::string>, "use strings()");
    return absl::Span<const T>(reinterpret_cast<const T*>(data()),
                               static_cast<size_t>(num_elements_));
  }
  // Where the numeric contents live in shared memory, if they do (an empty
  // region otherwise): a connection passes the region on instead of copying.
  SharedSlice shared_slice() const;

  // The strings, valid while this tensor (or a copy sharing its buffer)
  // lives. REQUIRES: dtype() == kString.
  StringsView strings() const;

  // Element `index` along the first dimension, sharing this tensor's buffer.
  // REQUIRES: rank >= 1 and 0 <= index < shape()[0].
  Tensor Slice(int64_t index) const;
  // Elements [begin, begin + count) along the first dimension as a tensor of
  // shape [count] + shape()[1:], sharing this tensor's buffer. O(1).
  // REQUIRES: rank >= 1 and 0 <= begin <= begin + count <= shape()[0].
  Tensor Rows(int64_t begin, int64_t count) const;
  // This tensor as a batch of one: shape [1] + shape(), sharing the buffer.
  Tensor AsBatchOfOne() const;

  // OK when the shape has no negative or overflowing dimension and the buffer
  // holds exactly the elements the shape and dtype call for.
  absl::Status CheckValid() const;

  friend bool operator==(const Tensor& a, const Tensor& b);
  friend bool operator!=(const Tensor& a, const Tensor& b) { return !(a == b); }

  // The wire form (CAF 0.17 inspectors): dtype, shape, then the numeric bytes
  // as one block, or the strings.
  friend caf::error inspect(caf::serializer& f, Tensor& x);
  friend caf::error inspect(caf::deserializer& f, Tensor& x);

 private:
  struct Buffer {
    std::vector<char> bytes;
    StringList strings;
    // When set, the numeric contents are `shared` instead of `bytes`.
    SharedSlice shared;

    const char* data() const {
      return shared.region ? shared.region->data() + shared.offset
                           : bytes.data();
    }
    size_t size() const {
      return shared.region ? static_cast<size_t>(shared.length) : bytes.size();
    }
  };

  Tensor(DType dtype, Shape shape, std::shared_ptr<const Buffer> buffer,
         size_t offset);
  // A view of `buffer` whose element count is already known.
  Tensor(DType dtype, Shape shape, int64_t num_elements,
         std::shared_ptr<const Buffer> buffer, size_t offset);

  // Elements per index of the first dimension. REQUIRES: rank >= 1.
  int64_t RowSize() const;

  DType dtype_;
  Shape shape_;
  int64_t num_elements_ = 0;
  std::shared_ptr<const Buffer> buffer_;
  size_t offset_ = 0;  // In elements.
  // A Slice() of a larger buffer; any other tensor owns exactly its elements.
  bool view_ = false;
};

// A queue element: one tensor per component.
using Tuple = std::vector<Tensor>;

// "float[2]{1, 2}"-style summary for logs and CAF's to_string.
std::string to_string(const Tensor& tensor);

}  // namespace troupe
