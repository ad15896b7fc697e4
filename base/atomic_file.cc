#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace troupe {

absl::StatusOr<uint64_t> WriteFileAtomically(
    const std::string& path, const std::vector<absl::string_view>& pieces) {
  const size_t slash = path.find_last_of('/');
  const std::string directory =
      slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string temporary = absl::StrCat(path, ".tmp-", getpid());
  int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileError("create", temporary, errno);
  uint64_t total = 0;
  for (absl::string_view piece : pieces) {
    if (!WriteAllAt(fd, piece, total)) {
      const int error = errno;
      close(fd);
      unlink(temporary.c_str());
      return FileError("write", temporary, error);
    }
    total += piece.size();
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return FileError("sync", temporary, error);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return FileError("rename to", path, error);
  }
  int dir = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return FileError("open directory", directory, errno);
  const bool synced = fsync(dir) == 0;
  const int error = errno;
  close(dir);
  if (!synced) return FileError("sync directory", directory, error);
  return total;
}

absl::Status RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
  return FileError("remove", path, errno);
}

bool WriteAllAt(int fd, absl::string_view bytes, uint64_t offset) {
  while (!bytes.empty()) {
    ssize_t written =
        pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
    offset += static_cast<uint64_t>(written);
  }
  return true;
}

absl::Status FileError(absl::string_view what, const std::string& path,
                       int error) {
  return absl::InternalError(
      absl::StrCat("Cannot ", what, " ", path, ": ", std::strerror(error)));
}

}  // namespace troupe
