// InputStream: a source of bytes read front to back (a file, memory, or an
// inflated stream over another), and StreamOpener, which opens one afresh.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"

namespace troupe {

// Not thread-safe: one reader at a time.
class InputStream {
 public:
  virtual ~InputStream() = default;

  // Reads up to `n` bytes into `buffer` and returns how many it read; 0 only
  // at the end of the stream (or when n is 0).
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t n) = 0;

  // Skips up to `n` bytes and returns how many it skipped: fewer only at the
  // end of the stream. This one reads and discards through a small buffer.
  virtual absl::StatusOr<uint64_t> Skip(uint64_t n);
};

// Opens a stream over the same bytes from their start, each time it is called:
// how a record source restarts or repositions its work unit.
using StreamOpener =
    std::function<absl::StatusOr<std::unique_ptr<InputStream>>()>;

}  // namespace troupe
