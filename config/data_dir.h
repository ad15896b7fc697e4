// A task's data directory (`--data-dir`, default its working directory):
// where readers read and checkpoints go. Paths from clients stay inside it.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace troupe {

class DataDir {
 public:
  // The directory `dir` (made absolute, symlinks resolved). INVALID_ARGUMENT
  // naming it when it is missing or not a directory.
  static absl::StatusOr<DataDir> Open(const std::string& dir);

  // The directory's resolved absolute path.
  const std::string& path() const { return root_; }

  // The absolute, resolved path of an existing file or directory `path`,
  // relative to the data directory or absolute inside it. NOT_FOUND
  // "<path>; No such file or directory" when it does not exist,
  // PERMISSION_DENIED "<path> is outside the data directory" when it leaves
  // it (through "..", an absolute path elsewhere, or a symlink).
  absl::StatusOr<std::string> ForReading(const std::string& path) const;

  // The absolute path at which to create or replace file `path`: its parent
  // directory must exist inside the data directory (NOT_FOUND, or
  // PERMISSION_DENIED as above), and the name itself, if it exists, must not
  // lead outside it. The check is made when called; a directory that is
  // swapped for a symlink afterwards is not seen.
  absl::StatusOr<std::string> ForWriting(const std::string& path) const;

  // Creates the directories of file `path` that are missing (like mkdir -p
  // of its parent), each checked to lie inside the data directory
  // (PERMISSION_DENIED otherwise).
  absl::Status MakeParents(const std::string& path) const;

 private:
  explicit DataDir(std::string root) : root_(std::move(root)) {}

  // PERMISSION_DENIED unless `resolved` is the root or below it.
  absl::Status CheckInside(const std::string& path,
                           const std::string& resolved) const;

  std::string root_;
};

}  // namespace troupe
