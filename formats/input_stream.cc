#include "formats/input_stream.h"

#include <algorithm>

#include "base/status_macros.h"

namespace troupe {

absl::StatusOr<uint64_t> InputStream::Skip(uint64_t n) {
  char scratch[4096];
  uint64_t skipped = 0;
  while (skipped < n) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(n - skipped, sizeof(scratch)));
    TROUPE_ASSIGN_OR_RETURN(size_t got, Read(scratch, want));
    if (got == 0) break;
    skipped += got;
  }
  return skipped;
}

}  // namespace troupe
