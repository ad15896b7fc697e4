#include "serialization/task_status.h"

#include "absl/strings/str_format.h"

namespace troupe {

std::string FormatIncarnation(uint64_t incarnation) {
  return absl::StrFormat("%016x", incarnation);
}

}  // namespace troupe
