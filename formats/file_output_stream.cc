#include "formats/file_output_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/status_macros.h"
#include "formats/io_error.h"

namespace troupe {
namespace {

constexpr size_t kBufferBytes = 64 * 1024;

}  // namespace

FileOutputStream::FileOutputStream(int fd, std::string name)
    : fd_(fd), name_(std::move(name)) {
  buffer_.reserve(kBufferBytes);
}

absl::StatusOr<std::unique_ptr<FileOutputStream>> FileOutputStream::Create(
    const std::string& path, std::string name) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return IoError(name, errno);
  return std::unique_ptr<FileOutputStream>(
      new FileOutputStream(fd, std::move(name)));
}

FileOutputStream::~FileOutputStream() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status FileOutputStream::Append(absl::string_view bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError(name_ + " is closed");
  if (buffer_.size() + bytes.size() > kBufferBytes) {
    TROUPE_RETURN_IF_ERROR(Flush());
  }
  if (bytes.size() >= kBufferBytes) {
    buffer_.assign(bytes.data(), bytes.size());
    return Flush();
  }
  buffer_.append(bytes.data(), bytes.size());
  return absl::OkStatus();
}

absl::Status FileOutputStream::Flush() {
  if (fd_ < 0) return absl::FailedPreconditionError(name_ + " is closed");
  size_t written = 0;
  while (written < buffer_.size()) {
    const ssize_t done =
        ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (done < 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      buffer_.erase(0, written);
      return IoError(name_, error_number);
    }
    written += static_cast<size_t>(done);
  }
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status FileOutputStream::Close() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status flushed = Flush();
  const int result = ::close(fd_);
  const int error_number = errno;
  fd_ = -1;
  TROUPE_RETURN_IF_ERROR(flushed);
  if (result != 0) return IoError(name_, error_number);
  return absl::OkStatus();
}

}  // namespace troupe
