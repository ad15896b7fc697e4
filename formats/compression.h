// Compression: the stream compressions readers and writers take (TensorFlow's
// compression_type "", "ZLIB", "GZIP"), and their names.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe {

enum class Compression { kNone, kZlib, kGzip };

// Parses TensorFlow's spelling: "" (or "NONE") is kNone, "ZLIB", "GZIP".
// TensorFlow reads an unknown name as uncompressed; Troupe refuses it:
// INVALID_ARGUMENT "Unsupported compression_type: <name>".
absl::StatusOr<Compression> ParseCompression(absl::string_view name);

// "", "ZLIB" or "GZIP".
std::string CompressionName(Compression compression);

}  // namespace troupe
