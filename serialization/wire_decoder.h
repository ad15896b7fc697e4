// The incremental frame decoder: fed a connection's bytes as they arrive, in
// any split, it yields complete frames and says where the next bytes go, so
// that segment bytes land straight in the buffer a Tensor will own.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include "serialization/wire_format.h"

namespace troupe {

// One received frame: its header, its body and its inline segments, each in a
// buffer of its own that a decoded Tensor can take without a copy.
struct Frame {
  FrameHeader header;
  std::vector<char> body;
  std::vector<std::vector<char>> segments;
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

  explicit FrameDecoder(WireLimits limits = {}, HeaderCheck check = nullptr);

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

  WireLimits limits_;
  HeaderCheck check_;
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
