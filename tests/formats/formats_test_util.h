// Helpers for the formats tests: a temporary directory, files in it, zlib and
// gzip made independently of Troupe's writer, and draining a record source.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "formats/compression.h"
#include "formats/input_stream.h"
#include "formats/record_source.h"
#include "support/temp_dir.h"

namespace troupe::testing {

using support::TempDir;

// `bytes` compressed by zlib's own compress2() (ZLIB) or gzip writer (GZIP).
std::string ZlibCompress(const std::string& bytes, Compression compression);

// A record as a source gave it, owned.
struct Record {
  std::string key;
  std::string value;

  friend bool operator==(const Record& a, const Record& b) {
    return a.key == b.key && a.value == b.value;
  }
};

// The next record of `source`, owned; nullopt at its end.
absl::StatusOr<std::optional<Record>> NextRecord(RecordSource& source);

// Every record `source` gives, until its end or its first error.
absl::StatusOr<std::vector<Record>> Drain(RecordSource& source);

// The records' values / keys.
std::vector<std::string> Values(const std::vector<Record>& records);
std::vector<std::string> Keys(const std::vector<Record>& records);

}  // namespace troupe::testing

namespace troupe::testing {

// Opens streams over `bytes` that hand out at most `chunk` bytes per Read:
// the worst buffering a file or an inflater may show.
StreamOpener ChunkedOpener(const std::string& bytes, size_t chunk);

}  // namespace troupe::testing
