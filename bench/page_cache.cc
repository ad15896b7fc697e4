#include "bench/page_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "formats/io_error.h"

namespace troupe::bench {

namespace {

// The fraction of the `size` bytes of `fd` in the page cache.
absl::StatusOr<double> Cached(int fd, size_t size, const std::string& path) {
  if (size == 0) return 0.0;
  void* mapped = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (mapped == MAP_FAILED) return IoError(path, errno);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> pages((size + page - 1) / page);
  const bool known = mincore(mapped, size, pages.data()) == 0;
  const int error = errno;
  munmap(mapped, size);
  if (!known) return IoError(path, error);
  size_t cached = 0;
  for (unsigned char flags : pages) cached += flags & 1;
  return static_cast<double>(cached) / static_cast<double>(pages.size());
}

}  // namespace

absl::StatusOr<double> DropFromPageCache(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path, errno);
  struct stat info = {};
  absl::StatusOr<double> cached;
  if (fstat(fd, &info) != 0) {
    cached = IoError(path, errno);
  } else if (const int error = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
             error != 0) {
    cached = IoError(path, error);
  } else {
    cached = Cached(fd, static_cast<size_t>(info.st_size), path);
  }
  close(fd);
  return cached;
}

}  // namespace troupe::bench
