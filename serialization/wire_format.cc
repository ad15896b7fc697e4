#include "serialization/wire_format.h"

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

#include "base/little_endian.h"

namespace troupe {

namespace {

absl::Status WrongSize(absl::string_view what, size_t expected, size_t got) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " must be ", expected, " bytes, got ", got));
}

}  // namespace

void EncodeHandshake(const Handshake& handshake, char* out) {
  std::memcpy(out, kHandshakeMagic, sizeof(kHandshakeMagic));
  PutLittle(handshake.version, out + 4);
  PutLittle(handshake.flags, out + 6);
  PutLittle(handshake.incarnation, out + 8);
}

absl::StatusOr<Handshake> ParseHandshake(absl::Span<const char> bytes) {
  if (bytes.size() != kHandshakeBytes) {
    return WrongSize("A handshake", kHandshakeBytes, bytes.size());
  }
  if (std::memcmp(bytes.data(), kHandshakeMagic, sizeof(kHandshakeMagic)) !=
      0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Peer does not speak Troupe's wire: its handshake starts with \"",
        absl::CHexEscape(absl::string_view(bytes.data(), 4)),
        "\" instead of \"TRPW\""));
  }
  Handshake handshake;
  handshake.version = GetLittle<uint16_t>(bytes.data() + 4);
  handshake.flags = GetLittle<uint16_t>(bytes.data() + 6);
  handshake.incarnation = GetLittle<uint64_t>(bytes.data() + 8);
  if (handshake.version != kProtocolVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "protocol version ", handshake.version,
        " is not spoken here (this side speaks ", kProtocolVersion, ")"));
  }
  if ((handshake.flags & ~(kHandshakeMayUseSharedMemory | kHandshakeTls)) !=
      0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Handshake has reserved flag bits set: 0x%04x", handshake.flags));
  }
  return handshake;
}

void EncodeFrameHeader(const FrameHeader& header, char* out) {
  PutLittle(header.kind, out);
  PutLittle(header.flags, out + 2);
  PutLittle(header.segment_count, out + 4);
  PutLittle(header.frame_bytes, out + 8);
  PutLittle(header.request_id, out + 16);
  PutLittle(header.body_bytes, out + 24);
  PutLittle(uint32_t{0}, out + 28);
}

absl::StatusOr<FrameHeader> ParseFrameHeader(absl::Span<const char> bytes,
                                             const WireLimits& limits) {
  if (bytes.size() != kFrameHeaderBytes) {
    return WrongSize("A frame header", kFrameHeaderBytes, bytes.size());
  }
  FrameHeader header;
  header.kind = GetLittle<uint16_t>(bytes.data());
  header.flags = GetLittle<uint16_t>(bytes.data() + 2);
  header.segment_count = GetLittle<uint32_t>(bytes.data() + 4);
  header.frame_bytes = GetLittle<uint64_t>(bytes.data() + 8);
  header.request_id = GetLittle<uint64_t>(bytes.data() + 16);
  header.body_bytes = GetLittle<uint32_t>(bytes.data() + 24);
  uint32_t reserved = GetLittle<uint32_t>(bytes.data() + 28);
  if (header.flags != 0 || reserved != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Frame header has reserved bits set (flags 0x%04x, reserved 0x%08x)",
        header.flags, reserved));
  }
  if (header.frame_bytes > limits.max_frame_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Frame of ", header.frame_bytes,
        " bytes is over the limit max_frame_bytes = ", limits.max_frame_bytes));
  }
  if (header.segment_count > limits.max_segments_per_frame) {
    return absl::ResourceExhaustedError(
        absl::StrCat("Frame of ", header.segment_count,
                     " segments is over the limit max_segments_per_frame = ",
                     limits.max_segments_per_frame));
  }
  if (header.body_bytes > limits.max_body_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Message body of ", header.body_bytes,
        " bytes is over the limit max_body_bytes = ", limits.max_body_bytes));
  }
  if (header.frame_bytes < header.prefix_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Frame of ", header.frame_bytes,
        " bytes is shorter than its header, segment table and body (",
        header.prefix_bytes(), " bytes)"));
  }
  return header;
}

void EncodeSegmentEntry(const SegmentEntry& entry, char* out) {
  PutLittle(entry.length, out);
  PutLittle(entry.flags, out + 8);
  PutLittle(entry.shm_handle, out + 12);
  PutLittle(entry.shm_offset, out + 16);
}

absl::StatusOr<std::vector<SegmentEntry>> ParseSegmentTable(
    const FrameHeader& header, absl::Span<const char> bytes) {
  size_t expected = size_t{kSegmentEntryBytes} * header.segment_count;
  if (bytes.size() != expected) {
    return WrongSize("A segment table", expected, bytes.size());
  }
  // ParseFrameHeader checked that the prefix fits in the frame.
  uint64_t inline_bytes = header.frame_bytes - header.prefix_bytes();
  std::vector<SegmentEntry> entries;
  entries.reserve(header.segment_count);
  for (uint32_t i = 0; i < header.segment_count; ++i) {
    const char* in = bytes.data() + size_t{kSegmentEntryBytes} * i;
    SegmentEntry entry;
    entry.length = GetLittle<uint64_t>(in);
    entry.flags = GetLittle<uint32_t>(in + 8);
    entry.shm_handle = GetLittle<uint32_t>(in + 12);
    entry.shm_offset = GetLittle<uint64_t>(in + 16);
    if ((entry.flags & ~kSegmentInSharedMemory) != 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Segment %u has reserved flag bits set: 0x%08x", i, entry.flags));
    }
    if (entry.flags & kSegmentInSharedMemory) {
      if (entry.shm_handle == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Segment ", i, " lives in shared memory but names handle 0"));
      }
      entries.push_back(entry);
      continue;
    }
    if (entry.shm_handle != 0 || entry.shm_offset != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Segment ", i,
          " is not in shared memory but names a shared-memory handle or "
          "offset"));
    }
    if (entry.length > inline_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("Segment ", i, " of ", entry.length,
                       " bytes does not fit in the frame (", inline_bytes,
                       " bytes left for segments)"));
    }
    inline_bytes -= entry.length;
    entries.push_back(entry);
  }
  if (inline_bytes != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Frame has ", inline_bytes,
                     " bytes after its segments: its length does not add up"));
  }
  return entries;
}

}  // namespace troupe
