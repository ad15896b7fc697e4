// ReaderOptionsFromSpec: the formats/ options of a reader resource from the
// spec a client sends (serialization/reader_spec.h), validated.
#pragma once

#include "absl/status/statusor.h"

#include "formats/reader_options.h"
#include "serialization/reader_spec.h"

namespace troupe {

// INVALID_ARGUMENT for an unknown type or compression, or any option
// ValidateReaderOptions refuses (with TensorFlow's texts).
absl::StatusOr<ReaderOptions> ReaderOptionsFromSpec(const ReaderSpec& spec);

}  // namespace troupe
