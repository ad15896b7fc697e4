#include "formats/identity_source.h"

#include "formats/source_errors.h"

namespace troupe {

absl::StatusOr<std::optional<absl::string_view>> IdentitySource::Next() {
  if (done_) return std::nullopt;
  done_ = true;
  return absl::string_view(work_);
}

absl::Status IdentitySource::Restore(const SourcePosition& position) {
  if (position.offset != 0 || (position.index != 0 && position.index != 1)) {
    return BadPosition(ReaderKind::kIdentity, work_, position,
                       "a unit is produced or not");
  }
  done_ = position.index == 1;
  return absl::OkStatus();
}

}  // namespace troupe
