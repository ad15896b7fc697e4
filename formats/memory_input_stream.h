// MemoryInputStream: an InputStream over bytes already in memory (tests, fuzz
// targets, records handed over by a client). It does not own the bytes.
#pragma once

#include "absl/strings/string_view.h"

#include "formats/input_stream.h"

namespace troupe {

class MemoryInputStream : public InputStream {
 public:
  // REQUIRES: `bytes` outlives the stream.
  explicit MemoryInputStream(absl::string_view bytes) : bytes_(bytes) {}

  absl::StatusOr<size_t> Read(char* buffer, size_t n) override;
  absl::StatusOr<uint64_t> Skip(uint64_t n) override;

 private:
  absl::string_view bytes_;
};

// Opens a MemoryInputStream over `bytes` each time. REQUIRES: `bytes`
// outlives every stream opened.
StreamOpener MemoryOpener(absl::string_view bytes);

}  // namespace troupe
