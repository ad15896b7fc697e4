// absl::Status -> the Python exception of troupe.errors with the same code
// (TensorFlow's classes: OutOfRangeError, DeadlineExceededError, ...) and the
// status message as its text.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace troupe::python {

// Raises the troupe.errors exception of `status` unless it is OK.
// REQUIRES: the GIL is held.
void RaiseIfError(const absl::Status& status);

// The value of `result`, or raises its error. REQUIRES: the GIL is held.
template <class T>
T ValueOrRaise(absl::StatusOr<T> result) {
  RaiseIfError(result.status());
  return *std::move(result);
}

}  // namespace troupe::python
