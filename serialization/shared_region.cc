#include "serialization/shared_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace troupe {
namespace {

// Seals a region must carry before its receiver maps it: nobody can shrink,
// grow or write it any more, so that its bytes stay what the sender meant.
constexpr int kRequiredSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

// Regions that keep their descriptors now (Adopt, Create).
std::atomic<int64_t> kept_descriptors{0};

// kKeptDescriptors, or a quarter of the process's descriptors if that is
// fewer: regions must leave room for connections.
int64_t KeptDescriptorLimit() {
  static const int64_t limit = [] {
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) != 0 ||
        files.rlim_cur == RLIM_INFINITY) {
      return SharedRegion::kKeptDescriptors;
    }
    return std::min<int64_t>(SharedRegion::kKeptDescriptors,
                             static_cast<int64_t>(files.rlim_cur / 4));
  }();
  return limit;
}

absl::Status Exhausted(absl::string_view what, int error) {
  return absl::ResourceExhaustedError(
      absl::StrCat("Cannot ", what, ": ", std::strerror(error)));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const SharedRegion>> SharedRegion::Create(
    absl::Span<const char> bytes) {
  const int fd = memfd_create("troupe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return Exhausted("create a memfd", errno);
  // Owns fd from here on, whatever fails.
  std::shared_ptr<const SharedRegion> region(
      new SharedRegion(fd, nullptr, bytes.size()));
  kept_descriptors.fetch_add(1, std::memory_order_relaxed);
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t count =
        pwrite(fd, bytes.data() + written, bytes.size() - written, written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0)
      return Exhausted("fill a memfd", count < 0 ? errno : ENOSPC);
    written += static_cast<size_t>(count);
  }
  if (fcntl(fd, F_ADD_SEALS, kRequiredSeals) != 0) {
    return Exhausted("seal a memfd", errno);
  }
  return region;
}

absl::StatusOr<std::shared_ptr<const SharedRegion>> SharedRegion::Adopt(
    int fd) {
  auto refuse = [fd](absl::string_view why) {
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("Shared-memory descriptor refused: ", why));
  };
  const int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0) return refuse("it is not a memfd that allows sealing");
  if ((seals & kRequiredSeals) != kRequiredSeals) {
    return refuse(absl::StrCat(
        "it is not sealed against shrinking, growing and writing (seals 0x",
        absl::Hex(seals), ")"));
  }
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size < 0) {
    return refuse("it is not a regular memfd");
  }
  const auto size = static_cast<uint64_t>(info.st_size);
  const char* data = nullptr;
  if (size > 0) {
    void* mapped = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED) {
      const int error = errno;
      close(fd);
      return Exhausted(absl::StrCat("map a memfd of ", size, " bytes"), error);
    }
    data = static_cast<const char*>(mapped);
  }
  int kept = fd;
  if (kept_descriptors.fetch_add(1, std::memory_order_relaxed) >=
      KeptDescriptorLimit()) {
    kept_descriptors.fetch_sub(1, std::memory_order_relaxed);
    close(fd);
    kept = -1;
  }
  return std::shared_ptr<const SharedRegion>(
      new SharedRegion(kept, data, size));
}

SharedRegion::~SharedRegion() {
  if (data_ != nullptr) munmap(const_cast<char*>(data_), size_);
  if (fd_ >= 0) {
    close(fd_);
    kept_descriptors.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace troupe
