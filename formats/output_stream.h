// OutputStream: a sink of bytes written front to back (a file, memory, or a
// compressed stream into another).
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace troupe {

// Not thread-safe: one writer at a time.
class OutputStream {
 public:
  virtual ~OutputStream() = default;

  virtual absl::Status Append(absl::string_view bytes) = 0;
  // Hands what is buffered on to the file or the inner stream.
  virtual absl::Status Flush() = 0;
  // Flushes and finishes the stream; nothing may be appended after.
  virtual absl::Status Close() = 0;
};

}  // namespace troupe
