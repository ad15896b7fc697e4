#include "serialization/wire_messages.h"

#include <string>

#include "doctest/doctest.h"

#include "base/little_endian.h"
#include "tests/serialization/allocation_probe.h"
#include "tests/serialization/wire_samples.h"

namespace troupe {
namespace {

absl::StatusOr<Message> RoundTrip(const Message& message) {
  auto encoded = EncodeMessage(77, message);
  REQUIRE(encoded.ok());
  CHECK(encoded->size() == Flatten(*encoded).size());
  FrameDecoder decoder;
  std::vector<Frame> frames;
  REQUIRE(decoder.Feed(Flatten(*encoded), frames).ok());
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].header.request_id == 77);
  return DecodeMessage(std::move(frames[0]));
}

// Little-endian bytes for hand-made bodies.
class Bytes {
 public:
  Bytes() { U8(1); }  // Cereal's endianness tag: little-endian.
  Bytes& U8(uint8_t x) { return Put(x, 1); }
  Bytes& U32(uint32_t x) { return Put(x, 4); }
  Bytes& U64(uint64_t x) { return Put(x, 8); }
  Bytes& Str(const std::string& s) {
    U64(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  std::vector<char> bytes;

 private:
  Bytes& Put(uint64_t x, int width) {
    for (int i = 0; i < width; ++i)
      bytes.push_back(static_cast<char>(x >> (8 * i)));
    return *this;
  }
};

absl::Status Decode(MessageKind kind, const Bytes& body,
                    std::vector<std::vector<char>> segments = {}) {
  Frame frame;
  frame.header.kind = static_cast<uint16_t>(kind);
  frame.body = body.bytes;
  frame.segments = std::move(segments);
  return DecodeMessage(std::move(frame)).status();
}

TEST_SUITE("wire messages") {
  TEST_CASE("every message round-trips to the same bytes") {
    std::vector<Message> samples = SampleMessages();
    CHECK(samples.size() == std::variant_size_v<Message>);
    for (size_t i = 0; i < samples.size(); ++i) {
      CAPTURE(i);
      CHECK(samples[i].index() == i);
      auto back = RoundTrip(samples[i]);
      REQUIRE(back.ok());
      CHECK(back->index() == samples[i].index());
      auto first = EncodeMessage(77, samples[i]);
      auto second = EncodeMessage(77, *back);
      REQUIRE(first.ok());
      REQUIRE(second.ok());
      CHECK(Flatten(*first) == Flatten(*second));
    }
  }

  TEST_CASE("tensors keep dtype, shape and contents") {
    std::vector<Message> samples = SampleMessages();
    auto back = RoundTrip(samples[2]);
    REQUIRE(back.ok());
    const auto& sent = std::get<EnqueueRequest>(samples[2]);
    const auto& got = std::get<EnqueueRequest>(*back);
    CHECK(got.resource_id == sent.resource_id);
    CHECK(got.timeout_ms == 2500);
    REQUIRE(got.components.size() == sent.components.size());
    for (size_t i = 0; i < got.components.size(); ++i) {
      CHECK(got.components[i] == sent.components[i]);
      CHECK(got.components[i].CheckValid().ok());
    }
    CHECK(got.components[1].strings()[2] == std::string("z\0y", 3));
    CHECK(got.components[2].shape() == Shape{2});
    CHECK(got.components[2].flat<int32_t>()[0] == 3);
  }

  TEST_CASE("specs, statuses and resource lists keep every field") {
    auto back = RoundTrip(SampleMessages()[34]);
    REQUIRE(back.ok());
    const auto& list = std::get<ListReply>(*back).resources;
    REQUIRE(list.size() == 2);
    CHECK(list[0].spec.kind == QueueKind::kPaddingFifo);
    CHECK(list[0].spec.shapes[1] == PartialShape{PartialShape::kUnknownDim, 3});
    CHECK(list[0].spec.seed2 == -8);
    CHECK(list[1].variable == VariableSpec{DT_INT64, {2, 2}});
    auto each = RoundTrip(EnqueueEachReply{1, absl::CancelledError("closed")});
    REQUIRE(each.ok());
    CHECK(std::get<EnqueueEachReply>(*each).error ==
          absl::CancelledError("closed"));
  }

  TEST_CASE("a resource's smallest encoding is the reader's lower bound") {
    auto encoded = EncodeMessage(1, ListReply{{ResourceInfo{}}});
    REQUIRE(encoded.ok());
    // Endianness tag, count, then the 182 bytes wire_body.cc assumes.
    CHECK(encoded->head.size() - kFrameHeaderBytes == 1 + 8 + 182);
  }

  TEST_CASE(
      "a runner source's and a CSV column's smallest encodings are the "
      "reader's lower bounds") {
    auto body_bytes = [](const RunnerSpec& spec) {
      auto encoded =
          EncodeMessage(1, RunnerRequest{"", RunnerCall{0, "", "", spec}});
      REQUIRE(encoded.ok());
      return encoded->head.size();
    };
    RunnerSpec none;
    RunnerSpec source;
    source.sources = {RunnerSource{}};
    source.sources[0].reader_spec.type = "";
    RunnerSpec column;
    column.csv_columns = {CsvColumn{}};
    // The 110 and 10 bytes wire_body.cc assumes (every string and list
    // empty).
    CHECK(body_bytes(source) - body_bytes(none) == 110);
    CHECK(body_bytes(column) - body_bytes(none) == 10);
  }

  TEST_CASE("an announced count past the body is refused before allocating") {
    AllocationProbe probe;
    absl::Status status =
        Decode(MessageKind::kReset, Bytes().Str("").U64(uint64_t{1} << 40));
    CHECK(absl::IsInvalidArgument(status));
    CHECK(status.message() ==
          "Message body announces 1099511627776 strings, but only 0 bytes "
          "remain");
    status = Decode(MessageKind::kList, Bytes().U64(1000).U8(0));
    CHECK(status.message() ==
          "Message body announces 1000 string bytes, but only 1 bytes remain");
    status = Decode(MessageKind::kListReply, Bytes().U64(5).U64(0).U64(0));
    CHECK(status.message() ==
          "Message body announces 5 resources, but only 16 bytes remain");
    status = Decode(MessageKind::kTupleReply, Bytes().U64(3));
    CHECK(absl::IsInvalidArgument(status));
    status = Decode(MessageKind::kResolve, Bytes().U64(~uint64_t{0}));
    CHECK(status.message() ==
          "Message body announces 18446744073709551615 string bytes, but only "
          "0 bytes remain");
    // doctest's own bookkeeping allocates a few KiB inside the probe.
    CHECK(probe.largest() < 65536);
  }

  TEST_CASE("a tensor must match its segment") {
    // AssignAdd: resource id, then the tensor.
    auto tensor = [](uint8_t dtype, std::vector<uint64_t> shape,
                     uint32_t segment) {
      Bytes body;
      body.U64(1).U8(dtype).U64(shape.size());
      for (uint64_t dim : shape) body.U64(dim);
      body.U32(segment);
      return body;
    };
    const uint8_t kFloat = static_cast<uint8_t>(DT_FLOAT);
    std::vector<char> eight(8, '\0');
    CHECK(
        Decode(MessageKind::kAssignAdd, tensor(kFloat, {2}, 0), {eight}).ok());
    absl::Status status =
        Decode(MessageKind::kAssignAdd, tensor(kFloat, {3}, 0), {eight});
    CHECK(status.message() ==
          "float tensor of shape [3] has a segment of 8 bytes, expected 3 "
          "elements of 4");
    status = Decode(MessageKind::kAssignAdd, tensor(kFloat, {2}, 1), {eight});
    CHECK(status.message() ==
          "Tensor names segment 1, but the frame has 1 segments");
    status = Decode(MessageKind::kAssignAdd, tensor(0, {2}, 0), {eight});
    CHECK(status.message() == "Tensor has an invalid dtype 0");
    status = Decode(MessageKind::kAssignAdd, tensor(200, {2}, 0), {eight});
    CHECK(status.message() == "Tensor has an invalid dtype 200");
    status = Decode(MessageKind::kAssignAdd, tensor(kFloat, {~uint64_t{0}}, 0),
                    {eight});
    CHECK(status.message() == "Shape [-1] has a negative dimension");
    status = Decode(MessageKind::kAssignAdd,
                    tensor(kFloat, {uint64_t{1} << 62, 8, 0}, 0), {{}});
    CHECK(status.message() ==
          "Shape [4611686018427387904,8,0] has too many elements");
    status =
        Decode(MessageKind::kAssignAdd, tensor(kFloat, {2}, 0), {eight, eight});
    CHECK(status.message() == "Frame has 1 segments that no tensor names");
    // Two tensors of one segment.
    Bytes twice;
    twice.U64(1).U64(2);
    for (int i = 0; i < 2; ++i) twice.U8(kFloat).U64(1).U64(2).U32(0);
    status = Decode(MessageKind::kEnqueue, twice.U64(0), {eight, eight});
    CHECK(status.message() == "Segment 0 is named by two tensors");
    // More tensors than segments.
    status = Decode(
        MessageKind::kEnqueue,
        Bytes().U64(1).U64(2).U8(kFloat).U64(0).U32(0).U64(0).U64(0), {eight});
    CHECK(status.message() ==
          "Message body announces 2 tensors, but the frame has only 1 "
          "segments left");
  }

  TEST_CASE("a string tensor's lengths must fill its segment") {
    const uint8_t kString = static_cast<uint8_t>(DT_STRING);
    Bytes body;
    body.U64(1).U8(kString).U64(1).U64(2).U32(0).U32(1);
    auto lengths = [](std::vector<uint64_t> values) {
      std::vector<char> bytes(values.size() * 8);
      for (size_t i = 0; i < values.size(); ++i)
        PutLittle<uint64_t>(values[i], bytes.data() + 8 * i);
      return bytes;
    };
    std::vector<char> abc = {'a', 'b', 'c'};
    CHECK(Decode(MessageKind::kAssignAdd, body, {lengths({1, 2}), abc}).ok());
    CHECK(Decode(MessageKind::kAssignAdd, body, {lengths({1, 1}), abc})
              .message() ==
          "String tensor of shape [2] uses 2 bytes of its segment of 3");
    CHECK(
        Decode(MessageKind::kAssignAdd, body, {lengths({1, ~uint64_t{0}}), abc})
            .message() ==
        "String tensor of shape [2] has string lengths past the end of its "
        "segment of 3 bytes");
    CHECK(
        Decode(MessageKind::kAssignAdd, body, {lengths({3}), abc}).message() ==
        "String tensor of shape [2] has 8 bytes of string lengths, "
        "expected 2 of 8");
    Bytes one_segment;
    one_segment.U64(1).U8(kString).U64(1).U64(2).U32(0).U32(0);
    CHECK(Decode(MessageKind::kAssignAdd, one_segment, {lengths({1, 2})})
              .message() == "Segment 0 is named by two tensors");
  }

  TEST_CASE("malformed bodies name what is wrong") {
    CHECK(Decode(MessageKind::kSize, Bytes().U64(1).U8(0)).message() ==
          "Message body has 1 bytes after its last field");
    CHECK(Decode(MessageKind::kSize, Bytes().U32(1)).message() ==
          "Message body ends inside a field of 8 bytes (4 bytes remain)");
    CHECK(Decode(MessageKind::kBoolReply, Bytes().U8(2)).message() ==
          "Message body holds 2 where a bool (0 or 1) goes");
    Bytes no_tag;
    no_tag.bytes.clear();
    CHECK(absl::IsInvalidArgument(Decode(MessageKind::kOkReply, no_tag)));
    Bytes bad_tag;
    bad_tag.bytes[0] = 7;
    CHECK(absl::IsInvalidArgument(Decode(MessageKind::kOkReply, bad_tag)));
    CHECK(Decode(static_cast<MessageKind>(999), Bytes()).message() ==
          "Frame has an unknown message kind 999");
    CHECK(Decode(MessageKind::kErrorReply, Bytes().U8(0).Str("")).message() ==
          "Error reply carries no error");
    CHECK(Decode(MessageKind::kErrorReply, Bytes().U8(17).Str("")).message() ==
          "Message body holds an unknown status code 17");
    CHECK(Decode(MessageKind::kEnqueueEachReply, Bytes().U32(0).U8(0).Str("x"))
              .message() == "Message body holds an OK status with a message");
    Bytes queue;
    queue.Str("").Str("").Str("").U8(9);
    CHECK(Decode(MessageKind::kQueue, queue).message() ==
          "Message body holds an unknown queue kind 9");
  }

  TEST_CASE("a message the peer would refuse is not encoded") {
    WireLimits limits;
    limits.max_segments_per_frame = 2;
    auto encoded = EncodeMessage(1, SampleMessages()[2], limits);
    CHECK(absl::IsResourceExhausted(encoded.status()));
    limits = WireLimits{};
    limits.max_frame_bytes = 100;
    encoded = EncodeMessage(
        1,
        TensorReply{Tensor::FromVector<float>({100}, std::vector<float>(100))},
        limits);
    CHECK(absl::IsResourceExhausted(encoded.status()));
    limits = WireLimits{};
    limits.max_body_bytes = 10;
    encoded = EncodeMessage(1, ListRequest{std::string(20, 'd')}, limits);
    CHECK(absl::IsResourceExhausted(encoded.status()));
  }
}

}  // namespace
}  // namespace troupe
