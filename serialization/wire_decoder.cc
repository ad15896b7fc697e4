#include "serialization/wire_decoder.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"

namespace troupe {

FrameDecoder::FrameDecoder(WireLimits limits, HeaderCheck check,
                           SharedMemoryIntake intake)
    : limits_(limits), check_(std::move(check)), intake_(std::move(intake)) {}

absl::Span<char> FrameDecoder::NextBuffer() {
  if (!error_.ok()) return {};
  switch (stage_) {
    case Stage::kHeader:
      return absl::Span<char>(header_bytes_ + filled_,
                              kFrameHeaderBytes - filled_);
    case Stage::kTable:
      return absl::Span<char>(table_.data() + filled_, table_.size() - filled_);
    case Stage::kBody:
      return absl::Span<char>(frame_.body.data() + filled_,
                              frame_.body.size() - filled_);
    case Stage::kSegment: {
      std::vector<char>& segment = frame_.segments[segment_];
      return absl::Span<char>(segment.data() + filled_,
                              segment.size() - filled_);
    }
  }
  return {};
}

absl::Status FrameDecoder::Fail(absl::Status status) {
  error_ = std::move(status);
  return error_;
}

absl::StatusOr<std::optional<Frame>> FrameDecoder::Commit(size_t n) {
  if (!error_.ok()) return error_;
  size_t missing = NextBuffer().size();
  if (n > missing) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("FrameDecoder::Commit of ", n,
                     " bytes where the decoder asked for ", missing)));
  }
  filled_ += n;
  if (n < missing) return std::nullopt;
  return Advance();
}

absl::StatusOr<std::optional<Frame>> FrameDecoder::Advance() {
  // Each step finishes the current piece and starts the next; an empty piece
  // is finished at once.
  while (true) {
    filled_ = 0;
    switch (stage_) {
      case Stage::kHeader: {
        auto header = ParseFrameHeader(
            absl::Span<const char>(header_bytes_, kFrameHeaderBytes), limits_);
        if (!header.ok()) return Fail(header.status());
        if (check_) {
          if (absl::Status admitted = check_(*header); !admitted.ok()) {
            return Fail(std::move(admitted));
          }
        }
        frame_.header = *header;
        table_.resize(size_t{kSegmentEntryBytes} * header->segment_count);
        stage_ = Stage::kTable;
        if (!table_.empty()) return std::nullopt;
        break;
      }
      case Stage::kTable: {
        auto entries = ParseSegmentTable(frame_.header, table_);
        if (!entries.ok()) return Fail(entries.status());
        segment_lengths_.clear();
        for (const SegmentEntry& entry : *entries) {
          segment_lengths_.push_back(
              entry.flags & kSegmentInSharedMemory ? 0 : entry.length);
        }
        if (absl::Status mapped = MapShared(*entries); !mapped.ok()) {
          return Fail(std::move(mapped));
        }
        frame_.body.resize(frame_.header.body_bytes);
        stage_ = Stage::kBody;
        if (!frame_.body.empty()) return std::nullopt;
        break;
      }
      case Stage::kBody:
      case Stage::kSegment: {
        if (stage_ == Stage::kBody) {
          frame_.segments.resize(segment_lengths_.size());
          segment_ = 0;
        } else {
          ++segment_;
        }
        stage_ = Stage::kSegment;
        if (segment_ == segment_lengths_.size()) {
          stage_ = Stage::kHeader;
          Frame frame = std::move(frame_);
          frame_ = Frame();
          return std::optional<Frame>(std::move(frame));
        }
        frame_.segments[segment_].resize(segment_lengths_[segment_]);
        if (segment_lengths_[segment_] > 0) return std::nullopt;
        break;
      }
    }
  }
}

absl::Status FrameDecoder::MapShared(const std::vector<SegmentEntry>& entries) {
  uint32_t handles = 0;
  for (const SegmentEntry& entry : entries) {
    if (entry.flags & kSegmentInSharedMemory) {
      handles = std::max(handles, entry.shm_handle);
    }
  }
  if (handles == 0) return absl::OkStatus();
  if (!intake_.take) {
    return absl::InvalidArgumentError(
        "Frame has segments in shared memory, but this connection carries "
        "none (only a Unix socket of the same host does, after both "
        "handshakes allowed it)");
  }
  TROUPE_ASSIGN_OR_RETURN(auto regions, intake_.take(handles));
  uint64_t mapped = 0;
  for (const auto& region : regions) mapped += region->size();
  if (mapped > limits_.max_frame_bytes - frame_.header.frame_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Frame of ", frame_.header.frame_bytes, " bytes and ", mapped,
        " bytes of shared memory is over the limit max_frame_bytes = ",
        limits_.max_frame_bytes));
  }
  if (intake_.charge) TROUPE_RETURN_IF_ERROR(intake_.charge(mapped));
  frame_.mapped_bytes = mapped;
  frame_.shared.resize(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const SegmentEntry& entry = entries[i];
    if (!(entry.flags & kSegmentInSharedMemory)) continue;
    const auto& region = regions[entry.shm_handle - 1];
    if (entry.shm_offset > region->size() ||
        entry.length > region->size() - entry.shm_offset) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Segment ", i, " of ", entry.length, " bytes at offset ",
          entry.shm_offset, " does not fit in its shared memory (handle ",
          entry.shm_handle, ", ", region->size(), " bytes)"));
    }
    frame_.shared[i] = SharedSlice{region, entry.shm_offset, entry.length};
    frame_.shared_bytes += entry.length;
  }
  return absl::OkStatus();
}

absl::Status FrameDecoder::Feed(absl::Span<const char> bytes,
                                std::vector<Frame>& frames) {
  if (!error_.ok()) return error_;
  while (!bytes.empty()) {
    absl::Span<char> next = NextBuffer();
    size_t n = std::min(next.size(), bytes.size());
    std::memcpy(next.data(), bytes.data(), n);
    bytes.remove_prefix(n);
    TROUPE_ASSIGN_OR_RETURN(std::optional<Frame> frame, Commit(n));
    if (frame) frames.push_back(*std::move(frame));
  }
  return absl::OkStatus();
}

}  // namespace troupe
