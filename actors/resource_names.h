// The rules for container and shared names (TensorFlow's, with `_` allowed
// after the first character of a container so that `my_problem_1` works).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace troupe {

// The longest container or shared name a task accepts.
inline constexpr size_t kMaxNameLength = 1024;

// OK for "" (the default container) and for names whose first character is a
// letter, digit or '.', and whose others are letters, digits, '.', '-', '/'
// or '_'; else INVALID_ARGUMENT "container contains invalid characters: <c>".
absl::Status ValidateContainerName(absl::string_view container);

// OK for a non-empty name of valid UTF-8 that does not start with '_' and has
// no control characters; else INVALID_ARGUMENT with TensorFlow's text where it
// has one ("shared_name is not valid UTF-8" otherwise: names print as JSON).
absl::Status ValidateSharedName(absl::string_view name);

// "ps-0" for "/job:ps/task:0": how a task's files (checkpoint shards, the
// directory of its durable queues' logs) name it.
std::string DeviceSuffix(const std::string& device);

}  // namespace troupe
