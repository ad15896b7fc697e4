#include "actors/queue_log_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"

#include "base/atomic_file.h"

namespace troupe {
namespace {

// A log's file is allocated ahead of its records, 64 KiB to 8 MiB at a
// time (as much as the log holds, within those bounds): a record written into
// allocated space leaves the file's size as it is, so its sync writes the data
// and no new size. Space allocated by posix_fallocate is marked unwritten
// until written, and a sync that writes a new block of it records that as
// well; space written with zeros first costs a sync nothing but the data, at
// the price of writing every byte twice. A write + fdatasync here (ext4 on
// the VM's virtio disk; bench/fsync_variants.py): 76 bytes, 149 us appended,
// 104 us into fallocated space, 107 us into zeros; 4 KiB, 207, 187 and 131
// us. So `always` logs, which sync every batch, are allocated with zeros,
// and the others with posix_fallocate. Replay reads the zeros after the
// records as free space.
constexpr uint64_t kMinAllocateBytes = uint64_t{64} << 10;
constexpr uint64_t kMaxAllocateBytes = uint64_t{8} << 20;

}  // namespace

QueueLogFile::~QueueLogFile() { Close(); }

void QueueLogFile::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

absl::Status QueueLogFile::Open(const std::string& path, uint64_t bytes) {
  Close();
  path_ = path;
  fd_ = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd_ < 0) return FileError("open", path, errno);
  bytes_ = bytes;
  allocated_ = bytes;
  return absl::OkStatus();
}

void QueueLogFile::Allocate(uint64_t size) {
  if (bytes_ + size <= allocated_) return;
  const uint64_t ahead =
      std::clamp(bytes_, kMinAllocateBytes, kMaxAllocateBytes);
  const uint64_t length = std::max(size, ahead);
  // Without room (a full disk, a file system that cannot allocate) the write
  // extends the file itself, or fails.
  if (!write_zeros_) {
    if (posix_fallocate(fd_, static_cast<off_t>(bytes_),
                        static_cast<off_t>(length)) == 0) {
      allocated_ = bytes_ + length;
    }
    return;
  }
  static const std::string zeros(kMinAllocateBytes, '\0');
  uint64_t at = bytes_;
  while (at < bytes_ + length) {
    const uint64_t piece =
        std::min<uint64_t>(zeros.size(), bytes_ + length - at);
    if (!WriteAllAt(fd_, absl::string_view(zeros.data(), piece), at)) break;
    at += piece;
  }
  allocated_ = at;
}

absl::Status QueueLogFile::Append(absl::string_view records) {
  if (fd_ < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("The log '", path_, "' is not open for appending"));
  }
  Allocate(records.size());
  if (!WriteAllAt(fd_, records, bytes_)) {
    const int error = errno;
    if (ftruncate(fd_, static_cast<off_t>(bytes_)) != 0) {
      // The log now ends in a torn record, which a replay leaves out; no
      // later append may follow it.
      Close();
    }
    allocated_ = bytes_;
    return FileError("write", path_, error);
  }
  bytes_ += records.size();
  return absl::OkStatus();
}

}  // namespace troupe
