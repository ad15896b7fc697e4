#include "state/snapshot_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

#include "base/atomic_file.h"
#include "base/little_endian.h"
#include "base/status_macros.h"
#include "formats/crc32c.h"
#include "serialization/wire_body.h"

namespace troupe {
namespace {

constexpr char kMagic[8] = {'T', 'R', 'O', 'U', 'P', 'E', 'C', 'K'};
constexpr uint32_t kVersion = 2;
constexpr size_t kHeaderBytes = 32;
constexpr size_t kSegmentPrefixBytes = 12;

uint32_t MaskedCrc(absl::string_view bytes) {
  return MaskCrc32c(Crc32c(bytes));
}

// Writes the body: the fields of TaskSnapshot, each list as its count then
// its entries.
void WriteBody(BodyWriter& writer, const TaskSnapshot& snapshot) {
  writer(snapshot.device, snapshot.time_unix_ms,
         static_cast<uint64_t>(snapshot.variables.size()));
  for (const SavedVariable& variable : snapshot.variables)
    inspect(writer, const_cast<SavedVariable&>(variable));
  writer(static_cast<uint64_t>(snapshot.queues.size()));
  for (const SavedQueue& queue : snapshot.queues)
    inspect(writer, const_cast<SavedQueue&>(queue));
}

// Reads what WriteBody wrote. A count larger than the body could hold fails
// when the body runs out, before anything is allocated for it.
absl::Status ReadBody(BodyReader& reader, TaskSnapshot& snapshot) {
  uint64_t count = 0;
  TROUPE_RETURN_IF_ERROR(reader(snapshot.device, snapshot.time_unix_ms, count));
  for (uint64_t i = 0; i < count; ++i) {
    SavedVariable variable;
    TROUPE_RETURN_IF_ERROR(inspect(reader, variable));
    snapshot.variables.push_back(std::move(variable));
  }
  TROUPE_RETURN_IF_ERROR(reader(count));
  for (uint64_t i = 0; i < count; ++i) {
    SavedQueue queue;
    TROUPE_RETURN_IF_ERROR(inspect(reader, queue));
    snapshot.queues.push_back(std::move(queue));
  }
  return reader.Finish();
}

// Reads a whole file with bounded, exact reads.
class ShardReader {
 public:
  ShardReader(int fd, const std::string& name, uint64_t size)
      : fd_(fd), name_(name), size_(size) {}

  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return size_ - offset_; }

  // Reads `bytes.size()` bytes; DATA_LOSS naming `what` if the file ends.
  absl::Status Read(char* out, size_t count, absl::string_view what) {
    if (count > remaining()) return Lost(absl::StrCat("truncated ", what));
    size_t done = 0;
    while (done < count) {
      ssize_t got = pread(fd_, out + done, count - done,
                          static_cast<off_t>(offset_ + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return Lost(absl::StrCat("unreadable ", what));
      done += static_cast<size_t>(got);
    }
    offset_ += count;
    return absl::OkStatus();
  }

  absl::Status Lost(absl::string_view what) const {
    return Lost(what, offset_);
  }
  absl::Status Lost(absl::string_view what, uint64_t at) const {
    return absl::DataLossError(absl::StrCat(what, " at ", at, " in ", name_));
  }

 private:
  int fd_;
  const std::string& name_;
  uint64_t size_;
  uint64_t offset_ = 0;
};

}  // namespace

absl::StatusOr<uint64_t> WriteSnapshotFile(const std::string& path,
                                           const TaskSnapshot& snapshot) {
  BodyWriter writer;
  WriteBody(writer, snapshot);
  OutgoingSegments segments = writer.TakeSegments();
  const std::vector<char>& body = writer.body();

  char header[kHeaderBytes];
  std::memcpy(header, kMagic, sizeof(kMagic));
  PutLittle<uint32_t>(kVersion, header + 8);
  PutLittle<uint32_t>(static_cast<uint32_t>(segments.spans().size()),
                      header + 12);
  PutLittle<uint64_t>(body.size(), header + 16);
  PutLittle<uint32_t>(MaskedCrc(absl::string_view(header, 24)), header + 24);
  PutLittle<uint32_t>(MaskedCrc(absl::string_view(body.data(), body.size())),
                      header + 28);

  std::vector<char> prefixes(segments.spans().size() * kSegmentPrefixBytes);
  std::vector<absl::string_view> pieces = {
      absl::string_view(header, kHeaderBytes),
      absl::string_view(body.data(), body.size())};
  for (size_t i = 0; i < segments.spans().size(); ++i) {
    absl::string_view bytes(segments.spans()[i].data(),
                            segments.spans()[i].size());
    char* prefix = prefixes.data() + i * kSegmentPrefixBytes;
    PutLittle<uint64_t>(bytes.size(), prefix);
    PutLittle<uint32_t>(MaskedCrc(bytes), prefix + 8);
    pieces.emplace_back(prefix, kSegmentPrefixBytes);
    pieces.push_back(bytes);
  }
  return WriteFileAtomically(path, pieces);
}

absl::StatusOr<TaskSnapshot> ReadSnapshotFile(const std::string& path,
                                              const std::string& name,
                                              uint64_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat(name, "; No such file or directory"));
    }
    return absl::InternalError(
        absl::StrCat("Cannot open ", name, ": ", std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    return absl::InternalError(
        absl::StrCat("Cannot read ", name, ": ", std::strerror(errno)));
  }
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  if (size > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Checkpoint ", name, " has ", size,
        " bytes, more than the task's memory limit of ", max_bytes, " bytes"));
  }
  ShardReader reader(fd, name, size);

  char header[kHeaderBytes];
  TROUPE_RETURN_IF_ERROR(reader.Read(header, kHeaderBytes, "header"));
  if (std::memcmp(header, kMagic, sizeof(kMagic)) != 0) {
    return reader.Lost("not a Troupe checkpoint (bad magic)", 0);
  }
  if (MaskedCrc(absl::string_view(header, 24)) !=
      GetLittle<uint32_t>(header + 24)) {
    return reader.Lost("corrupted header", 0);
  }
  const uint32_t version = GetLittle<uint32_t>(header + 8);
  if (version != kVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("Checkpoint ", name, " has format version ", version,
                     "; this Troupe reads version ", kVersion));
  }
  const uint32_t segment_count = GetLittle<uint32_t>(header + 12);
  const uint64_t body_bytes = GetLittle<uint64_t>(header + 16);
  if (body_bytes > reader.remaining() ||
      segment_count > reader.remaining() / kSegmentPrefixBytes) {
    return reader.Lost("truncated body", kHeaderBytes);
  }
  std::vector<char> body(body_bytes);
  TROUPE_RETURN_IF_ERROR(reader.Read(body.data(), body.size(), "body"));
  if (MaskedCrc(absl::string_view(body.data(), body.size())) !=
      GetLittle<uint32_t>(header + 28)) {
    return reader.Lost("corrupted body", kHeaderBytes);
  }
  std::vector<std::vector<char>> segments;
  segments.reserve(segment_count);
  for (uint32_t i = 0; i < segment_count; ++i) {
    const uint64_t at = reader.offset();
    char prefix[kSegmentPrefixBytes];
    TROUPE_RETURN_IF_ERROR(
        reader.Read(prefix, kSegmentPrefixBytes, "tensor length"));
    const uint64_t length = GetLittle<uint64_t>(prefix);
    if (length > reader.remaining()) return reader.Lost("truncated tensor", at);
    std::vector<char> bytes(length);
    TROUPE_RETURN_IF_ERROR(reader.Read(bytes.data(), length, "tensor"));
    if (MaskedCrc(absl::string_view(bytes.data(), bytes.size())) !=
        GetLittle<uint32_t>(prefix + 8)) {
      return reader.Lost("corrupted tensor", at);
    }
    segments.push_back(std::move(bytes));
  }
  if (reader.remaining() != 0) {
    return reader.Lost("stray bytes after the last tensor");
  }
  TaskSnapshot snapshot;
  BodyReader body_reader(absl::MakeConstSpan(body), std::move(segments));
  if (absl::Status read = ReadBody(body_reader, snapshot); !read.ok()) {
    // The CRCs held, so a writer wrote what it meant: not Troupe's format.
    return reader.Lost(absl::StrCat("malformed body (", read.message(), ")"),
                       kHeaderBytes);
  }
  return snapshot;
}

}  // namespace troupe
