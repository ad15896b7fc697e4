// Shapes: a fully known tensor shape (Shape) and a shape whose dimensions or
// rank may be unknown (PartialShape), with TensorFlow's debug strings.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe {

// Dimension sizes, outermost first. A scalar is the empty shape.
using Shape = std::vector<int64_t>;

// The number of elements of `shape`; INVALID_ARGUMENT for a negative
// dimension or when NumCells(shape) overflows int64, so that no shape with
// zero elements hides a product that overflows.
absl::StatusOr<int64_t> NumElements(const Shape& shape);

// The product of the dimensions of `shape` with each 0 counted as 1: what
// walking, padding or printing its nested rows costs even when it has no
// elements ([3,10000,10000,0] has 0 elements and 3e8 cells).
// INVALID_ARGUMENT for a negative dimension or a product that overflows int64.
absl::StatusOr<int64_t> NumCells(const Shape& shape);

// "[2,3]"; a scalar is "[]".
std::string ShapeToString(const Shape& shape);

// A shape that may have unknown dimensions (kUnknownDim) or an unknown rank.
// `PartialShape{2, PartialShape::kUnknownDim}` is [2,?]; `{}` is a scalar.
struct PartialShape {
  static constexpr int64_t kUnknownDim = -1;

  PartialShape() = default;
  PartialShape(std::initializer_list<int64_t> known_dims) : dims(known_dims) {}
  PartialShape(Shape known_dims)
      : dims(std::move(known_dims)) {}  // NOLINT: a Shape is one.
  static PartialShape UnknownRank() {
    PartialShape shape;
    shape.known_rank = false;
    return shape;
  }

  bool known_rank = true;
  std::vector<int64_t> dims;

  // True when the rank and every dimension are known.
  bool IsFullyDefined() const;
  // True when `shape` fits: same rank, equal wherever this shape is known.
  bool IsCompatibleWith(const Shape& shape) const;
  // True when some shape fits both.
  bool IsCompatibleWith(const PartialShape& other) const;
  // This shape with `batch` prepended (a batch of elements of this shape).
  PartialShape Batched(int64_t batch) const;
  // "[?,3]"; unknown rank is "<unknown>".
  std::string ToString() const;

  friend bool operator==(const PartialShape& a, const PartialShape& b) {
    return a.known_rank == b.known_rank && a.dims == b.dims;
  }
  friend bool operator!=(const PartialShape& a, const PartialShape& b) {
    return !(a == b);
  }
};

// "[[2], [?,3]]": TensorFlow's list form used in shared-queue messages.
std::string PartialShapesToString(const std::vector<PartialShape>& shapes);

// INVALID_ARGUMENT unless every dimension is known (>= 0) or kUnknownDim.
absl::Status ValidatePartialShape(const PartialShape& shape);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PartialShape& x) {
  return f(x.known_rank, x.dims);
}

}  // namespace troupe
