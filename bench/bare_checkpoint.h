// The limit of the checkpoint scenarios (6 and 8): a checkpoint's bytes
// written the way a safe checkpoint must be, and read back, with nothing but
// system calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe::bench {

// Writes each of `blocks` with one write(2) (short writes continued) to
// PATH.tmp, then fsync, close, rename to `path` and fsync of its directory.
// Returns the bytes written.
absl::StatusOr<int64_t> BareWriteFile(
    const std::string& path, const std::vector<std::vector<char>>& blocks);

// Reads all of `path` with read(2) into a new buffer of its size: the memory
// a restore must fill. Returns the bytes read.
absl::StatusOr<int64_t> BareReadFile(const std::string& path);

}  // namespace troupe::bench
