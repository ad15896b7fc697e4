// Errors the record sources share: a position a unit cannot have, and a
// record beyond the size limit.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "formats/reader_options.h"
#include "formats/record_source.h"

namespace troupe {

// INVALID_ARGUMENT "Cannot restore <Kind> to offset <o>, record <i> of
// <name>: <why>".
absl::Status BadPosition(ReaderKind kind, absl::string_view name,
                         const SourcePosition& position, absl::string_view why);

// RESOURCE_EXHAUSTED "<subject> is <size> bytes, more than the limit of
// <limit>".
absl::Status TooLarge(absl::string_view subject, uint64_t size, int64_t limit);
// RESOURCE_EXHAUSTED "<subject> is longer than the limit of <limit> bytes",
// for a size not known.
absl::Status TooLong(absl::string_view subject, int64_t limit);

}  // namespace troupe
