// Frame encoding (wire_format.h): a header, segment table and body in one
// buffer, and spans pointing at the tensors' own bytes, for one writev/sendmsg.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include "serialization/tensor.h"
#include "serialization/wire_format.h"

namespace troupe {

// The segments of an outgoing frame, in order, and what keeps their bytes
// alive: each tensor lends its own buffer (no copy), a string tensor its
// packed strings' bytes; its strings' lengths are a buffer of their own.
class OutgoingSegments {
 public:
  // A segment of `tensor`'s bytes (of a string tensor: its strings' bytes,
  // back to back).
  void AddTensorBytes(const Tensor& tensor);
  // A segment of the lengths of a string tensor's strings, u64 each, little
  // endian (a buffer this list keeps).
  void AddStringLengths(const Tensor& tensor);

  const std::vector<absl::Span<const char>>& spans() const { return spans_; }
  // One per span: where its bytes already live in shared memory, if they do.
  const std::vector<SharedSlice>& shared() const { return shared_; }

 private:
  std::vector<absl::Span<const char>> spans_;
  std::vector<SharedSlice> shared_;
  std::vector<Tensor> tensors_;
  std::vector<std::vector<char>> owned_;
};

struct EncodedFrame {
  // Header, segment table and body.
  std::vector<char> head;
  OutgoingSegments segments;
  // Empty, or one per segment: whether it goes in shared memory (then it is
  // not among the frame's bytes).
  std::vector<bool> in_shared;
  // The memfds to send with the frame's first byte, handle 1 first.
  std::vector<std::shared_ptr<const SharedRegion>> descriptors;
  // Bytes of the segments in shared memory.
  uint64_t shared_bytes = 0;

  // The frame's bytes in order: `head`, then every non-empty inline
  // segment. Valid while this frame lives; moving it keeps them valid.
  std::vector<absl::Span<const char>> Spans() const;
  uint64_t size() const;
};

// Segments smaller than this go inline even where shared memory could take
// them; kNoSharedMemory: every segment goes inline.
inline constexpr uint64_t kNoSharedMemory = ~uint64_t{0};

// A frame of `kind` holding `body` and `segments`. Numeric segments of at
// least `shared_min_bytes` go in shared memory (kMaxDescriptorsPerFrame
// regions at most): a tensor already in a region passes it on, any other
// is copied into a new sealed memfd (inline if that fails).
// RESOURCE_EXHAUSTED, naming the limit, when the peer would refuse it under
// `limits`.
absl::StatusOr<EncodedFrame> EncodeFrame(
    uint16_t kind, uint64_t request_id, absl::Span<const char> body,
    OutgoingSegments segments, const WireLimits& limits,
    uint64_t shared_min_bytes = kNoSharedMemory);

}  // namespace troupe
