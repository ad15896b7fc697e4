#include "config/data_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace troupe {
namespace {

// realpath(3): the absolute path with every symlink, "." and ".." resolved.
// errno's text on failure.
absl::StatusOr<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(
      realpath(path.c_str(), nullptr), &std::free);
  if (resolved == nullptr) return absl::UnknownError(std::strerror(errno));
  return std::string(resolved.get());
}

absl::Status NotFound(const std::string& path) {
  return absl::NotFoundError(absl::StrCat(path, "; No such file or directory"));
}

}  // namespace

absl::StatusOr<DataDir> DataDir::Open(const std::string& dir) {
  absl::StatusOr<std::string> root = RealPath(dir.empty() ? "." : dir);
  struct stat info {};
  if (!root.ok() || stat(root->c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("data directory ", dir, " is not a directory"));
  }
  return DataDir(*std::move(root));
}

absl::Status DataDir::CheckInside(const std::string& path,
                                  const std::string& resolved) const {
  const bool inside =
      resolved == root_ ||
      absl::StartsWith(resolved, root_ == "/" ? root_ : root_ + "/");
  if (inside) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(path, " is outside the data directory"));
}

absl::StatusOr<std::string> DataDir::ForReading(const std::string& path) const {
  if (path.empty()) return NotFound(path);
  const std::string full =
      path.front() == '/' ? path : absl::StrCat(root_, "/", path);
  absl::StatusOr<std::string> resolved = RealPath(full);
  if (!resolved.ok()) {
    // A missing file below a symlink out is outside all the same.
    absl::StatusOr<std::string> parent =
        RealPath(full.substr(0, full.find_last_of('/') + 1));
    if (parent.ok()) {
      absl::Status inside = CheckInside(path, *parent);
      if (!inside.ok()) return inside;
    }
    return NotFound(path);
  }
  absl::Status inside = CheckInside(path, *resolved);
  if (!inside.ok()) return inside;
  return resolved;
}

absl::Status DataDir::MakeParents(const std::string& path) const {
  size_t slash = path.find('/', 1);
  while (slash != std::string::npos) {
    const std::string directory = path.substr(0, slash);
    absl::StatusOr<std::string> existing = ForReading(directory);
    if (absl::IsNotFound(existing.status())) {
      // Its parent exists and lies inside: create it there.
      absl::StatusOr<std::string> created = ForWriting(directory);
      if (absl::IsPermissionDenied(created.status())) {
        return absl::PermissionDeniedError(
            absl::StrCat(path, " is outside the data directory"));
      }
      if (!created.ok()) return created.status();
      if (mkdir(created->c_str(), 0755) != 0 && errno != EEXIST) {
        return absl::InternalError(absl::StrCat(
            "Cannot create directory ", directory, ": ", std::strerror(errno)));
      }
    } else if (absl::IsPermissionDenied(existing.status())) {
      return absl::PermissionDeniedError(
          absl::StrCat(path, " is outside the data directory"));
    } else if (!existing.ok()) {
      return existing.status();
    }
    slash = path.find('/', slash + 1);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DataDir::ForWriting(const std::string& path) const {
  const size_t slash = path.find_last_of('/');
  const std::string name =
      slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " does not name a file"));
  }
  const std::string directory =
      slash == std::string::npos ? "." : path.substr(0, slash + 1);
  absl::StatusOr<std::string> parent =
      ForReading(directory == "/" ? "/" : directory);
  if (!parent.ok()) {
    if (absl::IsNotFound(parent.status())) return NotFound(path);
    return absl::PermissionDeniedError(
        absl::StrCat(path, " is outside the data directory"));
  }
  std::string target = absl::StrCat(*parent == "/" ? "" : *parent, "/", name);
  struct stat info {};
  if (lstat(target.c_str(), &info) == 0 && S_ISLNK(info.st_mode)) {
    absl::StatusOr<std::string> resolved = RealPath(target);
    if (!resolved.ok()) {
      return absl::PermissionDeniedError(
          absl::StrCat(path, " is outside the data directory"));
    }
    absl::Status inside = CheckInside(path, *resolved);
    if (!inside.ok()) return inside;
    target = *resolved;
  }
  return target;
}

}  // namespace troupe
