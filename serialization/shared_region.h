// SharedRegion: a sealed memfd (shared memory that no side can change once
// filled) and its read-only mapping, which a Tensor's buffer can own.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace troupe {

class SharedRegion {
 public:
  // A new memfd holding a copy of `bytes`, sealed, not mapped (data() is
  // null): a segment to send. RESOURCE_EXHAUSTED when the kernel refuses
  // the descriptor or the memory.
  static absl::StatusOr<std::shared_ptr<const SharedRegion>> Create(
      absl::Span<const char> bytes);

  // Takes ownership of `fd`, a memfd a peer sent, and maps it read-only.
  // INVALID_ARGUMENT (the descriptor closed) unless it is a memfd sealed
  // against shrinking, growing and writing; RESOURCE_EXHAUSTED if it cannot
  // be mapped. While kKeptDescriptors regions (or a quarter of the
  // process's RLIMIT_NOFILE, if fewer) keep their descriptors, the region
  // closes its own after mapping (fd() is then -1): a task cannot run out
  // of descriptors by holding regions.
  static absl::StatusOr<std::shared_ptr<const SharedRegion>> Adopt(int fd);

  // Regions of this process that keep their descriptors at most.
  static constexpr int64_t kKeptDescriptors = 512;

  ~SharedRegion();
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;

  // The memfd, or -1 once closed.
  int fd() const { return fd_; }
  // The mapped bytes (null when not mapped, or empty).
  const char* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  SharedRegion(int fd, const char* data, uint64_t size)
      : fd_(fd), data_(data), size_(size) {}

  int fd_ = -1;
  const char* data_ = nullptr;
  uint64_t size_ = 0;
};

// Where a segment lives in shared memory: `length` bytes at `offset` of
// `region`. An empty region: not in shared memory.
struct SharedSlice {
  std::shared_ptr<const SharedRegion> region;
  uint64_t offset = 0;
  uint64_t length = 0;
};

}  // namespace troupe
