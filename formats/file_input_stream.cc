#include "formats/file_input_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "formats/io_error.h"

namespace troupe {

absl::StatusOr<std::unique_ptr<FileInputStream>> FileInputStream::Open(
    const std::string& path, std::string name) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return IoError(name, errno);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    const int error_number = errno;
    ::close(fd);
    return IoError(name, error_number);
  }
  if (S_ISDIR(info.st_mode)) {
    ::close(fd);
    return IoError(name, EISDIR);
  }
  const bool regular = S_ISREG(info.st_mode);
  const uint64_t size = regular ? static_cast<uint64_t>(info.st_size) : 0;
  return std::unique_ptr<FileInputStream>(
      new FileInputStream(fd, std::move(name), size, regular));
}

FileInputStream::~FileInputStream() { ::close(fd_); }

absl::StatusOr<size_t> FileInputStream::Read(char* buffer, size_t n) {
  while (true) {
    const ssize_t got = ::read(fd_, buffer, n);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) return IoError(name_, errno);
  }
}

absl::StatusOr<uint64_t> FileInputStream::Skip(uint64_t n) {
  if (!regular_) return InputStream::Skip(n);
  const off_t here = ::lseek(fd_, 0, SEEK_CUR);
  if (here < 0) return IoError(name_, errno);
  struct stat info;
  if (::fstat(fd_, &info) != 0) return IoError(name_, errno);
  const uint64_t end = static_cast<uint64_t>(info.st_size);
  const uint64_t position = static_cast<uint64_t>(here);
  const uint64_t count = position >= end ? 0 : std::min(n, end - position);
  if (::lseek(fd_, static_cast<off_t>(position + count), SEEK_SET) < 0)
    return IoError(name_, errno);
  return count;
}

StreamOpener FileOpener(std::string path, std::string name) {
  return [path = std::move(path), name = std::move(name)]()
             -> absl::StatusOr<std::unique_ptr<InputStream>> {
    auto stream = FileInputStream::Open(path, name);
    if (!stream.ok()) return stream.status();
    return std::unique_ptr<InputStream>(std::move(stream).value());
  };
}

}  // namespace troupe
