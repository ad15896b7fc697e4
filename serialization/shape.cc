#include "serialization/shape.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace troupe {

absl::StatusOr<int64_t> NumElements(const Shape& shape) {
  if (auto cells = NumCells(shape); !cells.ok()) return cells.status();
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

absl::StatusOr<int64_t> NumCells(const Shape& shape) {
  int64_t cells = 1;
  for (int64_t dim : shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Shape ", ShapeToString(shape), " has a negative dimension"));
    }
    if (dim > 1 && cells > std::numeric_limits<int64_t>::max() / dim) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Shape ", ShapeToString(shape), " has too many elements"));
    }
    cells *= std::max<int64_t>(dim, 1);
  }
  return cells;
}

std::string ShapeToString(const Shape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

bool PartialShape::IsFullyDefined() const {
  if (!known_rank) return false;
  for (int64_t dim : dims) {
    if (dim == kUnknownDim) return false;
  }
  return true;
}

bool PartialShape::IsCompatibleWith(const Shape& shape) const {
  if (!known_rank) return true;
  if (dims.size() != shape.size()) return false;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] != kUnknownDim && dims[i] != shape[i]) return false;
  }
  return true;
}

bool PartialShape::IsCompatibleWith(const PartialShape& other) const {
  if (!known_rank || !other.known_rank) return true;
  if (dims.size() != other.dims.size()) return false;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] != kUnknownDim && other.dims[i] != kUnknownDim &&
        dims[i] != other.dims[i]) {
      return false;
    }
  }
  return true;
}

PartialShape PartialShape::Batched(int64_t batch) const {
  if (!known_rank) return UnknownRank();
  Shape batched;
  batched.reserve(dims.size() + 1);
  batched.push_back(batch);
  batched.insert(batched.end(), dims.begin(), dims.end());
  return PartialShape(std::move(batched));
}

std::string PartialShape::ToString() const {
  if (!known_rank) return "<unknown>";
  return absl::StrCat("[",
                      absl::StrJoin(dims, ",",
                                    [](std::string* out, int64_t dim) {
                                      if (dim == kUnknownDim) {
                                        out->append("?");
                                      } else {
                                        absl::StrAppend(out, dim);
                                      }
                                    }),
                      "]");
}

std::string PartialShapesToString(const std::vector<PartialShape>& shapes) {
  return absl::StrCat(
      "[",
      absl::StrJoin(shapes, ", ",
                    [](std::string* out, const PartialShape& shape) {
                      out->append(shape.ToString());
                    }),
      "]");
}

absl::Status ValidatePartialShape(const PartialShape& shape) {
  for (int64_t dim : shape.dims) {
    if (dim < PartialShape::kUnknownDim) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Shape ", shape.ToString(), " has a negative dimension ", dim));
    }
  }
  return absl::OkStatus();
}

}  // namespace troupe
