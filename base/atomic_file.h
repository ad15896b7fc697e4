// Writing a file so that a crash at any moment leaves either the old file or
// the whole new one: a temporary name, fsync, rename, fsync of the directory;
// and the small pieces such writers share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe {

// Writes the concatenation of `pieces` to `path` atomically (see above) and
// returns the bytes written. On failure `path` is as it was and the
// temporary file is gone; the status names the path and errno's text.
absl::StatusOr<uint64_t> WriteFileAtomically(
    const std::string& path, const std::vector<absl::string_view>& pieces);

// Removes `path`; OK when it is already gone.
absl::Status RemoveFile(const std::string& path);

// Writes all of `bytes` to `fd` at `offset` (pwrite, leaving the file
// offset as it is), retrying short writes and EINTR; false (with errno set)
// on failure.
bool WriteAllAt(int fd, absl::string_view bytes, uint64_t offset);

// INTERNAL "Cannot <what> <path>: <strerror(error)>".
absl::Status FileError(absl::string_view what, const std::string& path,
                       int error);

}  // namespace troupe
