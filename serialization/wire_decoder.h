// The incremental frame decoder: fed a connection's bytes as they arrive, in
// any split, it yields complete frames and says where the next bytes go, so
// that segment bytes land straight in the buffer a Tensor will own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include "serialization/shared_region.h"
#include "serialization/wire_format.h"

namespace troupe {

// One received frame: its header, its body and its inline segments, each in a
// buffer of its own that a decoded Tensor can take without a copy.
struct Frame {
  FrameHeader header;
  std::vector<char> body;
  // One per segment; a segment in shared memory has an empty one here and
  // its place in `shared`.
  std::vector<std::vector<char>> segments;
  // Empty, or one per segment: where a segment in shared memory lives (an
  // empty region for an inline one).
  std::vector<SharedSlice> shared;
  // Bytes of the segments in shared memory, and of the regions they map.
  uint64_t shared_bytes = 0;
  uint64_t mapped_bytes = 0;
};

// How a connection that carries shared memory (a Unix socket) hands its
// decoder the regions that frames name.
struct SharedMemoryIntake {
  // The next `count` descriptors the peer sent, each adopted as a region
  // (SharedRegion::Adopt); an error when fewer arrived or one is refused.
  std::function<absl::StatusOr<
      std::vector<std::shared_ptr<const SharedRegion>>>(size_t count)>
      take;
  // Charges the bytes of a frame's regions, as HeaderCheck does its frame's
  // bytes (optional).
  std::function<absl::Status(uint64_t bytes)> charge;
};

// Usage on a connection (a frame of several MiB arrives without a copy):
//   absl::Span<char> next = decoder.NextBuffer();
//   ssize_t n = recv(fd, next.data(), next.size(), 0);  // n > 0 here
//   auto frame = decoder.Commit(n);  // An error: close the connection.
//   if (frame.ok() && *frame) Handle(DecodeMessage(std::move(**frame)));
// A connection that reads small pieces through a buffer of its own hands them
// over with Feed(), which copies.
//
// Each piece (header, segment table, body, each segment) is allocated only
// after the header and the table passed the limits. After an error the
// decoder stays failed and repeats it.
class FrameDecoder {
 public:
  // Called with each header that passed the limits, before anything is
  // allocated for its frame: where a connection charges the frame's bytes to
  // its budgets. An error (say RESOURCE_EXHAUSTED) fails the decoder with it.
  using HeaderCheck = std::function<absl::Status(const FrameHeader&)>;

  // Without an `intake.take`, a segment in shared memory is refused.
  explicit FrameDecoder(WireLimits limits = {}, HeaderCheck check = nullptr,
                        SharedMemoryIntake intake = {});

  // Where the next bytes of the stream go: exactly the bytes missing from the
  // current piece, never empty (empty once the decoder has failed).
  absl::Span<char> NextBuffer();

  // Records that the first `n` bytes of NextBuffer() were filled; returns the
  // frame they completed, if any. REQUIRES: n <= NextBuffer().size().
  absl::StatusOr<std::optional<Frame>> Commit(size_t n);

  // Copies `bytes` into the decoder, appending every frame they complete to
  // `frames`.
  absl::Status Feed(absl::Span<const char> bytes, std::vector<Frame>& frames);

 private:
  enum class Stage { kHeader, kTable, kBody, kSegment };

  // Moves past the current, complete piece; returns the frame when it was the
  // last one.
  absl::StatusOr<std::optional<Frame>> Advance();
  absl::Status Fail(absl::Status status);
  // Takes and checks the regions that `entries` name into frame_.
  absl::Status MapShared(const std::vector<SegmentEntry>& entries);

  WireLimits limits_;
  HeaderCheck check_;
  SharedMemoryIntake intake_;
  absl::Status error_;
  Stage stage_ = Stage::kHeader;
  size_t filled_ = 0;  // Bytes of the current piece received so far.
  char header_bytes_[kFrameHeaderBytes] = {};
  std::vector<char> table_;
  std::vector<uint64_t> segment_lengths_;
  size_t segment_ = 0;  // The segment being received.
  Frame frame_;
};

}  // namespace troupe
