#include "serialization/wire_format.h"

#include <string>

#include "doctest/doctest.h"

namespace troupe {
namespace {

std::string Header(const FrameHeader& header) {
  std::string bytes(kFrameHeaderBytes, '\0');
  EncodeFrameHeader(header, bytes.data());
  return bytes;
}

std::string Table(const std::vector<SegmentEntry>& entries) {
  std::string bytes(kSegmentEntryBytes * entries.size(), '\0');
  for (size_t i = 0; i < entries.size(); ++i) {
    EncodeSegmentEntry(entries[i], bytes.data() + kSegmentEntryBytes * i);
  }
  return bytes;
}

FrameHeader HeaderWithSegments(std::vector<uint64_t> lengths) {
  FrameHeader header;
  header.kind = 16;
  header.segment_count = static_cast<uint32_t>(lengths.size());
  header.body_bytes = 5;
  header.frame_bytes = header.prefix_bytes();
  for (uint64_t length : lengths) header.frame_bytes += length;
  return header;
}

TEST_SUITE("wire format") {
  TEST_CASE("a handshake round-trips, little-endian") {
    Handshake sent{kProtocolVersion, kHandshakeMayUseSharedMemory,
                   0x1122334455667788};
    char bytes[kHandshakeBytes];
    EncodeHandshake(sent, bytes);
    CHECK(std::string(bytes, 6) == std::string("TRPW\x04\x00", 6));
    CHECK(static_cast<uint8_t>(bytes[8]) == 0x88);
    auto got = ParseHandshake(bytes);
    REQUIRE(got.ok());
    CHECK(got->version == kProtocolVersion);
    CHECK(got->flags == kHandshakeMayUseSharedMemory);
    CHECK(got->incarnation == 0x1122334455667788);
  }

  TEST_CASE("a handshake of another version names both versions") {
    char bytes[kHandshakeBytes];
    EncodeHandshake(Handshake{2, 0, 1}, bytes);
    auto got = ParseHandshake(bytes);
    CHECK(absl::IsFailedPrecondition(got.status()));
    CHECK(got.status().message() ==
          "protocol version 2 is not spoken here (this side speaks 4)");
  }

  TEST_CASE("a stranger's bytes are not a handshake") {
    std::string http = "GET / HTTP/1.1\r\n";
    REQUIRE(http.size() == kHandshakeBytes);
    auto got = ParseHandshake(http);
    CHECK(absl::IsInvalidArgument(got.status()));
    CHECK(got.status().message() ==
          "Peer does not speak Troupe's wire: its handshake starts with "
          "\"GET \" instead of \"TRPW\"");
  }

  TEST_CASE("a handshake with reserved flags or of the wrong size is refused") {
    char bytes[kHandshakeBytes];
    EncodeHandshake(Handshake{kProtocolVersion, 0x8001, 1}, bytes);
    auto got = ParseHandshake(bytes);
    CHECK(absl::IsInvalidArgument(got.status()));
    CHECK(got.status().message() ==
          "Handshake has reserved flag bits set: 0x8001");
    CHECK(absl::IsInvalidArgument(
        ParseHandshake(absl::Span<const char>(bytes, 15)).status()));
  }

  TEST_CASE("a frame header round-trips") {
    FrameHeader sent = HeaderWithSegments({4, 0});
    sent.request_id = 0xfedcba9876543210;
    auto got = ParseFrameHeader(Header(sent), WireLimits{});
    REQUIRE(got.ok());
    CHECK(got->kind == 16);
    CHECK(got->segment_count == 2);
    CHECK(got->body_bytes == 5);
    CHECK(got->request_id == 0xfedcba9876543210);
    CHECK(got->frame_bytes == 32 + 48 + 5 + 4);
  }

  TEST_CASE("a header over each limit is refused, naming the limit") {
    WireLimits limits;
    limits.max_frame_bytes = 1000;
    limits.max_segments_per_frame = 3;
    limits.max_body_bytes = 100;

    FrameHeader big = HeaderWithSegments({2000});
    auto got = ParseFrameHeader(Header(big), limits);
    CHECK(absl::IsResourceExhausted(got.status()));
    CHECK(got.status().message() ==
          "Frame of 2061 bytes is over the limit max_frame_bytes = 1000");

    FrameHeader many = HeaderWithSegments({0, 0, 0, 0});
    got = ParseFrameHeader(Header(many), limits);
    CHECK(absl::IsResourceExhausted(got.status()));
    CHECK(got.status().message() ==
          "Frame of 4 segments is over the limit max_segments_per_frame = 3");

    FrameHeader fat = HeaderWithSegments({});
    fat.body_bytes = 101;
    fat.frame_bytes = fat.prefix_bytes();
    got = ParseFrameHeader(Header(fat), limits);
    CHECK(absl::IsResourceExhausted(got.status()));
    CHECK(got.status().message() ==
          "Message body of 101 bytes is over the limit max_body_bytes = 100");
  }

  TEST_CASE("a header whose parts do not fit or with reserved bits") {
    FrameHeader short_frame = HeaderWithSegments({1});
    short_frame.frame_bytes = 40;
    auto got = ParseFrameHeader(Header(short_frame), WireLimits{});
    CHECK(absl::IsInvalidArgument(got.status()));
    CHECK(got.status().message() ==
          "Frame of 40 bytes is shorter than its header, segment table and "
          "body (61 bytes)");

    FrameHeader flagged = HeaderWithSegments({});
    flagged.flags = 4;
    got = ParseFrameHeader(Header(flagged), WireLimits{});
    CHECK(absl::IsInvalidArgument(got.status()));

    std::string reserved = Header(HeaderWithSegments({}));
    reserved[31] = 1;
    CHECK(absl::IsInvalidArgument(
        ParseFrameHeader(reserved, WireLimits{}).status()));
    CHECK(absl::IsInvalidArgument(
        ParseFrameHeader(reserved.substr(1), WireLimits{}).status()));
  }

  TEST_CASE("a segment table gives the inline lengths") {
    FrameHeader header = HeaderWithSegments({3, 0, 7});
    auto entries = ParseSegmentTable(header, Table({{3}, {0}, {7}}));
    REQUIRE(entries.ok());
    REQUIRE(entries->size() == 3);
    CHECK((*entries)[0].length == 3);
    CHECK((*entries)[1].length == 0);
    CHECK((*entries)[2].length == 7);
  }

  TEST_CASE("a segment in shared memory is outside the frame's length") {
    FrameHeader header = HeaderWithSegments({});
    header.segment_count = 1;
    header.frame_bytes = header.prefix_bytes();
    auto entries = ParseSegmentTable(
        header, Table({{4096, kSegmentInSharedMemory, 2, 64}}));
    REQUIRE(entries.ok());
    CHECK((*entries)[0].shm_handle == 2);
    CHECK((*entries)[0].shm_offset == 64);
    CHECK((*entries)[0].length == 4096);
    auto no_handle = ParseSegmentTable(
        header, Table({{4096, kSegmentInSharedMemory, 0, 64}}));
    CHECK(absl::IsInvalidArgument(no_handle.status()));
    CHECK(no_handle.status().message() ==
          "Segment 0 lives in shared memory but names handle 0");
  }

  TEST_CASE("a segment table that does not add up is refused") {
    FrameHeader header = HeaderWithSegments({3, 7});
    auto lengths = ParseSegmentTable(header, Table({{3}, {8}}));
    CHECK(absl::IsInvalidArgument(lengths.status()));
    CHECK(lengths.status().message() ==
          "Segment 1 of 8 bytes does not fit in the frame (7 bytes left for "
          "segments)");
    lengths = ParseSegmentTable(header, Table({{3}, {6}}));
    CHECK(absl::IsInvalidArgument(lengths.status()));
    CHECK(lengths.status().message() ==
          "Frame has 1 bytes after its segments: its length does not add up");
    lengths = ParseSegmentTable(header, Table({{3}, {~uint64_t{0}}}));
    CHECK(absl::IsInvalidArgument(lengths.status()));
    CHECK(absl::IsInvalidArgument(
        ParseSegmentTable(header, Table({{3, 2}, {7}})).status()));
    CHECK(absl::IsInvalidArgument(
        ParseSegmentTable(header, Table({{3, 0, 1}, {7}})).status()));
    CHECK(absl::IsInvalidArgument(
        ParseSegmentTable(header, Table({{3}})).status()));
  }
}

}  // namespace
}  // namespace troupe
