// IoError: a failed system call on a file as TensorFlow reports it,
// "<name>; <strerror>" with the code its errno maps to (ENOENT NOT_FOUND, ...).
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace troupe {

// `name` is the file as the user knows it (never a resolved absolute path the
// user did not give).
absl::Status IoError(absl::string_view name, int error_number);

}  // namespace troupe
