// IdentitySource: IdentityReader's one record per unit, key and value both
// the unit itself; it reads no file.
#pragma once

#include <string>

#include "formats/record_source.h"

namespace troupe {

class IdentitySource : public RecordSource {
 public:
  explicit IdentitySource(std::string work) : work_(std::move(work)) {}

  absl::StatusOr<std::optional<absl::string_view>> Next() override;
  absl::string_view key() override { return work_; }
  SourcePosition position() const override { return {0, done_ ? 1 : 0}; }
  // Position {0, 0} (not yet produced) or {0, 1} (produced).
  absl::Status Restore(const SourcePosition& position) override;

 private:
  std::string work_;
  bool done_ = false;
};

}  // namespace troupe
