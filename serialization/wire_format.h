// Troupe's wire on one page: the handshake, the frame header, the segment
// table and the limits every frame is checked against before allocation.
//
// Every integer is little-endian. A connection starts with each side sending
// one handshake; after it, each side sends frames.
//
// Handshake (kHandshakeBytes = 16). Bytes 0..5 keep this layout in every
// protocol version, so that a peer of another version can always name both.
//   offset size field
//   0      4    magic "TRPW" (54 52 50 57)
//   4      2    protocol version (u16), kProtocolVersion
//   6      2    flags (u16): bit 0 kHandshakeMayUseSharedMemory (the sender
//               can receive segments in shared memory); bit 1 kHandshakeTls
//               (the sender speaks TLS right after the handshakes, which
//               both sides then require); bits 2..15 must be 0
//   8      8    incarnation (u64): chosen at random when the sender started,
//               so that a peer tells a restarted task from the one it knew
//
// Frame = header | segment table | body | inline segments, in that order.
// Header (kFrameHeaderBytes = 32):
//   offset size field
//   0      2    kind (u16): which message the body holds (wire_messages.h)
//   2      2    flags (u16): none defined yet, all must be 0
//   4      4    segment count (u32), <= WireLimits::max_segments_per_frame
//   8      8    frame bytes (u64): the whole frame, this header included,
//               <= WireLimits::max_frame_bytes
//   16     8    request id (u64): a reply carries the id of its request
//   24     4    body bytes (u32), <= WireLimits::max_body_bytes
//   28     4    reserved, must be 0
// Segment table: segment count entries of kSegmentEntryBytes = 24:
//   offset size field
//   0      8    length (u64)
//   8      4    flags (u32): bit 0 kSegmentInSharedMemory; bits 1..31 must be 0
//   12     4    shared-memory handle (u32): 0 unless in shared memory
//   16     8    shared-memory offset (u64): 0 unless in shared memory
// Body: the message, a Cereal portable binary archive (wire_body.h).
// Inline segments: the raw bytes of every segment not in shared memory, in
// table order, without padding. frame bytes must equal 32 + 24 * segment count
// + body bytes + the sum of the inline segment lengths.
//
// A segment in shared memory is not among the inline segments: `length`
// bytes at `offset` of the memfd `handle` (1 = the first descriptor sent
// with the frame, SCM_RIGHTS over a Unix socket; docs/WIRE.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace troupe {

inline constexpr uint16_t kProtocolVersion = 4;
inline constexpr char kHandshakeMagic[4] = {'T', 'R', 'P', 'W'};
inline constexpr size_t kHandshakeBytes = 16;
inline constexpr uint16_t kHandshakeMayUseSharedMemory = 1;
inline constexpr uint16_t kHandshakeTls = 2;

inline constexpr size_t kFrameHeaderBytes = 32;
inline constexpr size_t kSegmentEntryBytes = 24;
inline constexpr uint32_t kSegmentInSharedMemory = 1;
// Descriptors sent with one frame at most (the rest of its segments go
// inline), and waiting at a receiver at most.
inline constexpr size_t kMaxDescriptorsPerFrame = 64;

// What a side accepts from its peer. A header or segment table over a limit
// is refused with RESOURCE_EXHAUSTED naming the limit before anything is
// allocated for the frame.
struct WireLimits {
  // The whole frame, segments included: 1 GiB fits a 256 MiB variable with
  // room to spare; a connection should budget its frames' bytes on top.
  uint64_t max_frame_bytes = uint64_t{1} << 30;
  // Tensor segments of one frame (a segment table costs 24 bytes each).
  uint32_t max_segments_per_frame = 65536;
  // The body holds names, specs, shapes and string lengths, never tensor
  // bytes; a decoded body takes at most about 4 times its wire bytes.
  uint32_t max_body_bytes = 16u << 20;
};

struct Handshake {
  uint16_t version = kProtocolVersion;
  uint16_t flags = 0;
  uint64_t incarnation = 0;
};

// Writes kHandshakeBytes at `out`.
void EncodeHandshake(const Handshake& handshake, char* out);

// The peer's handshake from exactly kHandshakeBytes. INVALID_ARGUMENT for a
// bad magic (not a Troupe peer), a wrong size or reserved flags;
// FAILED_PRECONDITION naming both versions when the peer speaks another one.
absl::StatusOr<Handshake> ParseHandshake(absl::Span<const char> bytes);

struct FrameHeader {
  uint16_t kind = 0;
  uint16_t flags = 0;
  uint32_t segment_count = 0;
  uint64_t frame_bytes = 0;
  uint64_t request_id = 0;
  uint32_t body_bytes = 0;

  // Header, segment table and body: what precedes the inline segments.
  uint64_t prefix_bytes() const {
    return kFrameHeaderBytes + uint64_t{kSegmentEntryBytes} * segment_count +
           body_bytes;
  }
};

// Writes kFrameHeaderBytes at `out`.
void EncodeFrameHeader(const FrameHeader& header, char* out);

// The header in exactly kFrameHeaderBytes, checked against `limits`:
// RESOURCE_EXHAUSTED naming the limit a field passes, INVALID_ARGUMENT for
// reserved bits or a frame length shorter than its header, table and body.
absl::StatusOr<FrameHeader> ParseFrameHeader(absl::Span<const char> bytes,
                                             const WireLimits& limits);

struct SegmentEntry {
  uint64_t length = 0;
  uint32_t flags = 0;
  uint32_t shm_handle = 0;
  uint64_t shm_offset = 0;
};

// Writes kSegmentEntryBytes at `out`.
void EncodeSegmentEntry(const SegmentEntry& entry, char* out);

// The entries of the table `bytes` (segment count entries) of `header`.
// INVALID_ARGUMENT for reserved bits, a segment in shared memory without a
// handle, or inline lengths that do not add up to the frame length.
absl::StatusOr<std::vector<SegmentEntry>> ParseSegmentTable(
    const FrameHeader& header, absl::Span<const char> bytes);

}  // namespace troupe
