// Segments in shared memory without a connection: sealed memfds made,
// checked and mapped (SharedRegion), and frames whose segments live in them
// encoded and decoded.
#include "serialization/shared_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "doctest/doctest.h"

#include "serialization/wire_decoder.h"
#include "serialization/wire_messages.h"
#include "tests/serialization/wire_samples.h"

namespace troupe {
namespace {

Tensor Floats(int64_t count) {
  std::vector<float> values(static_cast<size_t>(count));
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.5f * i;
  return Tensor::FromVector<float>({count}, values);
}

// An intake that adopts copies of `frame`'s descriptors, as a receiver does
// with those that came with the frame.
SharedMemoryIntake IntakeOf(const EncodedFrame& frame) {
  std::vector<int> fds;
  for (const auto& region : frame.descriptors) fds.push_back(region->fd());
  SharedMemoryIntake intake;
  intake.take = [fds](size_t count)
      -> absl::StatusOr<std::vector<std::shared_ptr<const SharedRegion>>> {
    std::vector<std::shared_ptr<const SharedRegion>> regions;
    for (size_t i = 0; i < count && i < fds.size(); ++i) {
      auto region = SharedRegion::Adopt(fcntl(fds[i], F_DUPFD_CLOEXEC, 0));
      if (!region.ok()) return region.status();
      regions.push_back(*std::move(region));
    }
    if (regions.size() < count) {
      return absl::InvalidArgumentError("too few descriptors");
    }
    return regions;
  };
  return intake;
}

// The frame decoded from `frame`'s inline bytes through `decoder`.
absl::StatusOr<Frame> Decode(FrameDecoder& decoder, const EncodedFrame& frame) {
  std::vector<Frame> frames;
  absl::Status fed = decoder.Feed(Flatten(frame), frames);
  if (!fed.ok()) return fed;
  REQUIRE(frames.size() == 1);
  return std::move(frames[0]);
}

TEST_SUITE("shared memory") {
  TEST_CASE("a region made to be sent is sealed, and maps to its bytes") {
    const std::string bytes = "segment bytes in a memfd";
    auto made = SharedRegion::Create(bytes);
    REQUIRE(made.ok());
    CHECK((*made)->data() == nullptr);
    CHECK((*made)->size() == bytes.size());
    CHECK(fcntl((*made)->fd(), F_GET_SEALS) ==
          (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
    CHECK(write((*made)->fd(), "x", 1) < 0);
    auto mapped = SharedRegion::Adopt(fcntl((*made)->fd(), F_DUPFD_CLOEXEC, 0));
    REQUIRE(mapped.ok());
    REQUIRE((*mapped)->size() == bytes.size());
    CHECK(std::string((*mapped)->data(), bytes.size()) == bytes);
  }

  TEST_CASE(
      "a descriptor that is unsealed, shrinkable or no memfd is refused") {
    const int unsealed = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    REQUIRE(ftruncate(unsealed, 4096) == 0);
    auto refused = SharedRegion::Adopt(unsealed);
    CHECK(absl::IsInvalidArgument(refused.status()));
    CHECK(absl::StrContains(refused.status().message(), "not sealed"));

    const int shrinkable = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    REQUIRE(fcntl(shrinkable, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_WRITE) == 0);
    CHECK(absl::IsInvalidArgument(SharedRegion::Adopt(shrinkable).status()));

    int pipe_ends[2];
    REQUIRE(pipe(pipe_ends) == 0);
    close(pipe_ends[1]);
    refused = SharedRegion::Adopt(pipe_ends[0]);
    CHECK(absl::IsInvalidArgument(refused.status()));
    CHECK(absl::StrContains(refused.status().message(), "not a memfd"));
  }

  TEST_CASE("a frame's big segments go to memfds and decode without a copy") {
    const Tensor big = Floats(1 << 16);
    const Tensor small = Floats(4);
    const Message request = EnqueueRequest{7, {big, small}, -1};
    auto frame = EncodeMessage(3, request, {}, 1024);
    REQUIRE(frame.ok());
    REQUIRE(frame->descriptors.size() == 1);
    CHECK(frame->shared_bytes == big.byte_size());
    auto inline_frame = EncodeMessage(3, request);
    REQUIRE(inline_frame.ok());
    CHECK(frame->size() + big.byte_size() == inline_frame->size());

    FrameDecoder decoder({}, nullptr, IntakeOf(*frame));
    auto decoded = Decode(decoder, *frame);
    REQUIRE(decoded.ok());
    CHECK(decoded->shared_bytes == big.byte_size());
    CHECK(decoded->mapped_bytes == big.byte_size());
    auto message = DecodeMessage(*std::move(decoded));
    REQUIRE(message.ok());
    const Tuple& got = std::get<EnqueueRequest>(*message).components;
    CHECK(got[0] == big);
    CHECK(got[1] == small);
    const SharedSlice slice = got[0].shared_slice();
    REQUIRE(slice.region != nullptr);
    CHECK(got[0].data() == slice.region->data());
    CHECK(got[1].shared_slice().region == nullptr);

    // Sent on, the tensor passes its own region: no new memfd, no copy.
    auto again = EncodeMessage(4, TupleReply{{got[0]}}, {}, 1024);
    REQUIRE(again.ok());
    REQUIRE(again->descriptors.size() == 1);
    CHECK(again->descriptors[0] == slice.region);
    // A slice of it passes the region at its offset.
    const Tensor rows = got[0].Rows(16, 1024);
    CHECK(rows.shared_slice().offset == 16 * sizeof(float));
  }

  TEST_CASE("a decoder without an intake refuses segments in shared memory") {
    auto frame = EncodeMessage(3, TupleReply{{Floats(1 << 12)}}, {}, 0);
    REQUIRE(frame.ok());
    FrameDecoder decoder;
    auto decoded = Decode(decoder, *frame);
    CHECK(absl::IsInvalidArgument(decoded.status()));
    CHECK(absl::StrContains(decoded.status().message(), "carries none"));
  }

  TEST_CASE("shared bytes count against the frame limit and the charge") {
    auto frame = EncodeMessage(3, TupleReply{{Floats(1 << 12)}}, {}, 0);
    REQUIRE(frame.ok());
    WireLimits limits;
    limits.max_frame_bytes = 4096;
    FrameDecoder limited(limits, nullptr, IntakeOf(*frame));
    auto over = Decode(limited, *frame);
    CHECK(absl::IsResourceExhausted(over.status()));
    CHECK(absl::StrContains(over.status().message(), "bytes of shared memory"));

    SharedMemoryIntake intake = IntakeOf(*frame);
    uint64_t charged = 0;
    intake.charge = [&charged](uint64_t bytes) {
      charged += bytes;
      return absl::ResourceExhaustedError("over the budget");
    };
    FrameDecoder charging({}, nullptr, std::move(intake));
    CHECK(absl::IsResourceExhausted(Decode(charging, *frame).status()));
    CHECK(charged == (1 << 12) * sizeof(float));
  }

  TEST_CASE(
      "past the cap of kept descriptors a region keeps only its mapping, "
      "and a region that goes gives its place back") {
    const std::string bytes(4096, 'r');
    auto sent = SharedRegion::Create(bytes);
    REQUIRE(sent.ok());
    auto adopt = [&sent] {
      auto region =
          SharedRegion::Adopt(fcntl((*sent)->fd(), F_DUPFD_CLOEXEC, 0));
      REQUIRE(region.ok());
      REQUIRE((*region)->size() == 4096);
      CHECK(std::string((*region)->data(), 4096) == std::string(4096, 'r'));
      return *std::move(region);
    };
    std::vector<std::shared_ptr<const SharedRegion>> adopted;
    // The cap is kKeptDescriptors or a quarter of RLIMIT_NOFILE: adopted
    // regions reach it before kKeptDescriptors of them.
    while (adopted.size() <= SharedRegion::kKeptDescriptors) {
      adopted.push_back(adopt());
      if (adopted.back()->fd() < 0) break;
    }
    REQUIRE(adopted.back()->fd() < 0);
    CHECK(adopted.front()->fd() >= 0);
    adopted.erase(adopted.begin());
    CHECK(adopt()->fd() >= 0);
  }
}

}  // namespace
}  // namespace troupe
