// Dropping a file from the page cache, so that the next read of it comes from
// the disk, and measuring how much of it the cache still holds.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace troupe::bench {

// posix_fadvise(POSIX_FADV_DONTNEED) over all of `path`, whose pages must be
// clean (written back by an fsync) to be dropped; then the fraction of its
// pages still cached (mincore of a mapping of it), 0 to 1.
absl::StatusOr<double> DropFromPageCache(const std::string& path);

}  // namespace troupe::bench
