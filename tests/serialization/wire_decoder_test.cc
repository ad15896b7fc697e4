#include "serialization/wire_decoder.h"

#include <cstring>
#include <random>
#include <string>

#include "doctest/doctest.h"

#include "serialization/wire_messages.h"
#include "tests/serialization/allocation_probe.h"
#include "tests/serialization/wire_samples.h"

namespace troupe {
namespace {

// Three frames back to back: segments of several sizes, one empty.
std::vector<char> SampleStream() {
  std::vector<char> stream;
  Tuple components = std::get<EnqueueRequest>(SampleMessages()[2]).components;
  for (const Message& message : {Message(EnqueueRequest{9, components, 5}),
                                 Message(Heartbeat{}), Message(SizeReply{3})}) {
    auto frame = EncodeMessage(1, message);
    REQUIRE(frame.ok());
    std::vector<char> bytes = Flatten(*frame);
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  }
  return stream;
}

// What a decoded frame holds, to compare decodings.
std::string Describe(const Frame& frame) {
  std::string text = std::to_string(frame.header.kind) + "/" +
                     std::to_string(frame.header.request_id) + ":" +
                     std::string(frame.body.begin(), frame.body.end());
  for (const auto& segment : frame.segments) {
    text += "|" + std::string(segment.begin(), segment.end());
  }
  return text;
}

std::vector<std::string> DecodeInPieces(const std::vector<char>& stream,
                                        const std::vector<size_t>& cuts) {
  FrameDecoder decoder;
  std::vector<Frame> frames;
  size_t begin = 0;
  for (size_t end : cuts) {
    REQUIRE(
        decoder
            .Feed(absl::Span<const char>(stream.data() + begin, end - begin),
                  frames)
            .ok());
    begin = end;
  }
  std::vector<std::string> described;
  for (const Frame& frame : frames) described.push_back(Describe(frame));
  return described;
}

TEST_SUITE("wire decoder") {
  TEST_CASE("every split of a stream decodes to the same frames") {
    std::vector<char> stream = SampleStream();
    const size_t n = stream.size();
    std::vector<std::string> whole = DecodeInPieces(stream, {n});
    REQUIRE(whole.size() == 3);
    for (size_t a = 0; a <= n; ++a) {
      CHECK(DecodeInPieces(stream, {a, n}) == whole);
    }
    // Every pair of cuts over the first frame and its neighbour.
    for (size_t a = 0; a <= n; a += 1) {
      for (size_t b = a; b <= n; b += 7) {
        REQUIRE(DecodeInPieces(stream, {a, b, n}) == whole);
      }
    }
    std::vector<size_t> bytewise;
    for (size_t i = 1; i <= n; ++i) bytewise.push_back(i);
    CHECK(DecodeInPieces(stream, bytewise) == whole);
    std::mt19937 random(42);
    for (int round = 0; round < 200; ++round) {
      std::vector<size_t> cuts;
      for (size_t at = 0; at < n;) {
        at = std::min(n, at + 1 + random() % 64);
        cuts.push_back(at);
      }
      REQUIRE(DecodeInPieces(stream, cuts) == whole);
    }
  }

  TEST_CASE("segment bytes land in the buffer the tensor keeps") {
    Tensor big = Tensor::FromVector<float>({1000}, std::vector<float>(1000, 2));
    auto encoded = EncodeMessage(4, AssignRequest{1, big, true});
    REQUIRE(encoded.ok());
    std::vector<absl::Span<const char>> spans = encoded->Spans();
    REQUIRE(spans.size() == 2);
    CHECK(spans[1].data() == big.data());  // Sent without a copy.

    FrameDecoder decoder;
    std::vector<Frame> frames;
    REQUIRE(decoder.Feed(spans[0], frames).ok());
    absl::Span<char> next = decoder.NextBuffer();
    REQUIRE(next.size() == 4000);
    std::memcpy(next.data(), spans[1].data(), 1000);  // A partial recv.
    auto frame = decoder.Commit(1000);
    REQUIRE(frame.ok());
    CHECK(!frame->has_value());
    absl::Span<char> rest = decoder.NextBuffer();
    CHECK(rest.data() == next.data() + 1000);
    std::memcpy(rest.data(), spans[1].data() + 1000, 3000);
    frame = decoder.Commit(3000);
    REQUIRE(frame.ok());
    REQUIRE(frame->has_value());
    auto message = DecodeMessage(std::move(**frame));
    REQUIRE(message.ok());
    const Tensor& value = std::get<AssignRequest>(*message).value;
    CHECK(value == big);
    CHECK(value.data() == next.data());  // Received without a copy.
  }

  TEST_CASE("a header over a limit is refused before allocating") {
    FrameHeader header;
    header.kind = 16;
    header.segment_count = 1;
    header.body_bytes = 10;
    header.frame_bytes = uint64_t{1} << 40;
    char bytes[kFrameHeaderBytes];
    EncodeFrameHeader(header, bytes);
    FrameDecoder decoder;
    std::vector<Frame> frames;
    AllocationProbe probe;
    absl::Status status = decoder.Feed(bytes, frames);
    CHECK(absl::IsResourceExhausted(status));
    CHECK(probe.largest() < 1024);
    CHECK(decoder.NextBuffer().empty());
    CHECK(decoder.Feed(bytes, frames) == status);  // Stays failed.
  }

  TEST_CASE("a header check sees each header before its frame is allocated") {
    std::vector<char> stream = SampleStream();
    std::vector<uint64_t> seen;
    FrameDecoder decoder(WireLimits{}, [&](const FrameHeader& header) {
      seen.push_back(header.frame_bytes);
      if (seen.size() == 2) {
        return absl::ResourceExhaustedError("over the connection's budget");
      }
      return absl::OkStatus();
    });
    std::vector<Frame> frames;
    absl::Status status = decoder.Feed(stream, frames);
    CHECK(status ==
          absl::ResourceExhaustedError("over the connection's budget"));
    CHECK(frames.size() == 1);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == frames[0].header.frame_bytes);
    CHECK(decoder.NextBuffer().empty());
  }

  TEST_CASE("a segment table that overruns the frame allocates no segment") {
    FrameHeader header;
    header.kind = 16;
    header.segment_count = 1;
    header.frame_bytes = header.prefix_bytes() + 10;
    char bytes[kFrameHeaderBytes + kSegmentEntryBytes];
    EncodeFrameHeader(header, bytes);
    EncodeSegmentEntry(SegmentEntry{uint64_t{1} << 40}, bytes + 32);
    FrameDecoder decoder;
    std::vector<Frame> frames;
    AllocationProbe probe;
    CHECK(absl::IsInvalidArgument(decoder.Feed(bytes, frames)));
    CHECK(probe.largest() < 1024);
  }

  TEST_CASE("a truncated stream yields no frame and no error") {
    std::vector<char> stream = SampleStream();
    auto first = EncodeMessage(1, SampleMessages()[2]);
    REQUIRE(first.ok());
    for (size_t cut = 0; cut < Flatten(*first).size(); ++cut) {
      FrameDecoder decoder;
      std::vector<Frame> frames;
      CHECK(decoder.Feed(absl::Span<const char>(stream.data(), cut), frames)
                .ok());
      CHECK(frames.empty());
      CHECK(!decoder.NextBuffer().empty());
    }
  }

  TEST_CASE("every corrupted byte gives frames or an error, never a crash") {
    std::vector<char> stream = SampleStream();
    WireLimits limits;
    limits.max_frame_bytes = 1 << 20;
    for (size_t i = 0; i < stream.size(); ++i) {
      for (char flip : {'\x01', '\x80', '\xff'}) {
        std::vector<char> corrupt = stream;
        corrupt[i] ^= flip;
        FrameDecoder decoder(limits);
        std::vector<Frame> frames;
        absl::Status status = decoder.Feed(corrupt, frames);
        for (Frame& frame : frames) {
          auto message = DecodeMessage(std::move(frame));
          CHECK((message.ok() || absl::IsInvalidArgument(message.status())));
        }
        CHECK((status.ok() || !status.message().empty()));
      }
    }
  }

  TEST_CASE("committing more than asked for fails the decoder") {
    FrameDecoder decoder;
    auto frame = decoder.Commit(kFrameHeaderBytes + 1);
    CHECK(absl::IsInvalidArgument(frame.status()));
    CHECK(decoder.NextBuffer().empty());
  }
}

}  // namespace
}  // namespace troupe
