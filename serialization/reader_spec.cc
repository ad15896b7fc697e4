#include "serialization/reader_spec.h"

#include "absl/strings/str_cat.h"

namespace troupe {

absl::Status CheckSharedReader(const ReaderSpec& existing,
                               const ReaderSpec& requested,
                               absl::string_view name) {
  if (existing == requested) return absl::OkStatus();
  if (existing.type != requested.type) {
    return absl::InvalidArgumentError(
        absl::StrCat("Shared reader '", name, "' has type ", existing.type,
                     " but requested type was ", requested.type));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Shared reader '", name,
                   "' was created with other options than those requested"));
}

}  // namespace troupe
