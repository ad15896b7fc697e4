#include "bench/bare_checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "absl/strings/str_cat.h"

#include "formats/io_error.h"

namespace troupe::bench {

namespace {

// Closes a file descriptor when it goes.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

absl::StatusOr<int64_t> BareWriteFile(
    const std::string& path, const std::vector<std::vector<char>>& blocks) {
  const std::string temporary = absl::StrCat(path, ".tmp");
  {
    Fd file{open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                 0644)};
    if (file.fd < 0) return IoError(temporary, errno);
    for (const std::vector<char>& block : blocks) {
      for (size_t done = 0; done < block.size();) {
        const ssize_t n =
            write(file.fd, block.data() + done, block.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return IoError(temporary, errno);
        done += static_cast<size_t>(n);
      }
    }
    if (fsync(file.fd) != 0) return IoError(temporary, errno);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) return IoError(path, errno);
  const std::string dir = path.substr(0, path.rfind('/') + 1);
  Fd directory{open(dir.empty() ? "." : dir.c_str(),
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (directory.fd < 0) return IoError(dir, errno);
  if (fsync(directory.fd) != 0) return IoError(dir, errno);
  int64_t bytes = 0;
  for (const std::vector<char>& block : blocks)
    bytes += static_cast<int64_t>(block.size());
  return bytes;
}

absl::StatusOr<int64_t> BareReadFile(const std::string& path) {
  Fd file{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return IoError(path, errno);
  struct stat info = {};
  if (fstat(file.fd, &info) != 0) return IoError(path, errno);
  const size_t size = static_cast<size_t>(info.st_size);
  std::unique_ptr<char[]> buffer(new char[size]);
  for (size_t done = 0; done < size;) {
    const ssize_t n = read(file.fd, buffer.get() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(path, errno);
    if (n == 0) return absl::DataLossError(absl::StrCat("short file ", path));
    done += static_cast<size_t>(n);
  }
  return static_cast<int64_t>(size);
}

}  // namespace troupe::bench
