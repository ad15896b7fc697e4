#include "serialization/wire_decoder.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"

namespace troupe {

FrameDecoder::FrameDecoder(WireLimits limits, HeaderCheck check)
    : limits_(limits), check_(std::move(check)) {}

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
        auto lengths = ParseSegmentTable(frame_.header, table_);
        if (!lengths.ok()) return Fail(lengths.status());
        segment_lengths_ = *std::move(lengths);
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
