#include "formats/source_errors.h"

#include "absl/strings/str_cat.h"

namespace troupe {

absl::Status BadPosition(ReaderKind kind, absl::string_view name,
                         const SourcePosition& position,
                         absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "Cannot restore ", ReaderKindName(kind), " to offset ", position.offset,
      ", record ", position.index, " of ", name, ": ", why));
}

absl::Status TooLarge(absl::string_view subject, uint64_t size, int64_t limit) {
  return absl::ResourceExhaustedError(absl::StrCat(
      subject, " is ", size, " bytes, more than the limit of ", limit));
}

absl::Status TooLong(absl::string_view subject, int64_t limit) {
  return absl::ResourceExhaustedError(
      absl::StrCat(subject, " is longer than the limit of ", limit, " bytes"));
}

}  // namespace troupe
