// VariableSpec: what defines a variable (its dtype and declared shape), its
// validation and the shared-name check a second declaration must pass.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "serialization/dtype.h"
#include "serialization/shape.h"

namespace troupe {

struct VariableSpec {
  DType dtype = DType::kInvalid;
  // The declared shape: the shape an assign with validate_shape must match
  // until an assign with validate_shape=false gives the variable another.
  Shape shape;

  friend bool operator==(const VariableSpec& a, const VariableSpec& b) {
    return a.dtype == b.dtype && a.shape == b.shape;
  }
  friend bool operator!=(const VariableSpec& a, const VariableSpec& b) {
    return !(a == b);
  }
};

// INVALID_ARGUMENT unless `spec` has a valid dtype and a shape with no
// negative or overflowing dimension. `name` is used in the messages.
absl::Status ValidateVariableSpec(const VariableSpec& spec,
                                  absl::string_view name);

// OK when `requested` may open the variable `existing` shared as `name`:
// the same dtype and the same declared shape. Else INVALID_ARGUMENT naming the
// variable and both dtypes or both shapes, worded like TensorFlow's
// shared-queue messages:
// "Shared variable 'x' has dtype float but requested dtype was int32".
absl::Status CheckSharedVariable(const VariableSpec& existing,
                                 const VariableSpec& requested,
                                 absl::string_view name);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VariableSpec& x) {
  return f(x.dtype, x.shape);
}

}  // namespace troupe
