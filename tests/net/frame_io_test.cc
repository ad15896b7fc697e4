// FrameReader and FrameWriter over a socket pair: frames of every size,
// written in pieces and read back whole, and the handshake before them.
#include <sys/socket.h>

#include <vector>

#include "doctest/doctest.h"

#include "net/fd.h"
#include "net/frame_reader.h"
#include "net/frame_writer.h"
#include "serialization/wire_messages.h"

namespace troupe {
namespace {

struct SocketPair {
  SocketPair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
    a = Fd(fds[0]);
    b = Fd(fds[1]);
  }
  Fd a;
  Fd b;
};

Tensor Floats(int64_t count) {
  std::vector<float> values(count);
  for (int64_t i = 0; i < count; ++i) values[i] = static_cast<float>(i);
  return Tensor::FromVector<float>({count}, values);
}

// Writes what `writer` holds into `to` while reading `from` with `reader`,
// until `want` frames arrived.
std::vector<Frame> Pump(FrameWriter& writer, int to, FrameReader& reader,
                        int from, size_t want) {
  std::vector<Frame> frames;
  for (int round = 0; round < 100000 && frames.size() < want; ++round) {
    PlainStream out(to);
    PlainStream in(from);
    REQUIRE(writer.WriteTo(out).ok());
    auto progress = reader.ReadFrom(in, frames);
    REQUIRE(progress.ok());
    REQUIRE(*progress != FrameReader::Progress::kClosed);
  }
  return frames;
}

TEST_CASE("frame io: a handshake, then frames small and large, arrive whole") {
  SocketPair pair;
  FrameWriter writer;
  char handshake[kHandshakeBytes];
  EncodeHandshake(Handshake{kProtocolVersion, 0, 42}, handshake);
  writer.PushBytes(handshake, sizeof(handshake));
  // 4 MiB: received straight into the tensor's buffer, across many reads.
  const std::vector<int64_t> sizes = {0, 1, 1000, 1 << 20};
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto frame = EncodeMessage(i + 1, TensorReply{Floats(sizes[i])});
    REQUIRE(frame.ok());
    writer.Push(*std::move(frame));
  }
  const uint64_t total = writer.pending_bytes();
  CHECK(total > (uint64_t{4} << 20));

  FrameReader reader;
  std::vector<Frame> frames =
      Pump(writer, pair.a.get(), reader, pair.b.get(), sizes.size());
  REQUIRE(reader.handshake().has_value());
  CHECK(reader.handshake()->incarnation == 42);
  REQUIRE(frames.size() == sizes.size());
  CHECK(writer.empty());
  CHECK(writer.pending_bytes() == 0);
  for (size_t i = 0; i < sizes.size(); ++i) {
    CHECK(frames[i].header.request_id == i + 1);
    auto message = DecodeMessage(std::move(frames[i]));
    REQUIRE(message.ok());
    const Tensor& value = std::get<TensorReply>(*message).value;
    REQUIRE(value.num_elements() == sizes[i]);
    if (sizes[i] > 0) CHECK(value.flat<float>()[sizes[i] - 1] == sizes[i] - 1);
  }
}

TEST_CASE("frame io: a peer that is not Troupe fails the handshake") {
  SocketPair pair;
  REQUIRE(send(pair.a.get(), "GET / HTTP/1.1\r\n", 16, 0) == 16);
  FrameReader reader;
  PlainStream in(pair.b.get());
  std::vector<Frame> frames;
  auto progress = reader.ReadFrom(in, frames);
  CHECK(progress.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(!reader.handshake().has_value());
}

TEST_CASE(
    "frame io: a closed peer reads as closed, an empty socket as would-block") {
  SocketPair pair;
  FrameReader reader;
  PlainStream in(pair.b.get());
  std::vector<Frame> frames;
  auto progress = reader.ReadFrom(in, frames);
  REQUIRE(progress.ok());
  CHECK(*progress == FrameReader::Progress::kWouldBlock);
  pair.a.Reset();
  progress = reader.ReadFrom(in, frames);
  REQUIRE(progress.ok());
  CHECK(*progress == FrameReader::Progress::kClosed);
}

TEST_CASE("frame io: writing to a closed peer is UNAVAILABLE") {
  SocketPair pair;
  pair.b.Reset();
  FrameWriter writer;
  writer.PushBytes("abc", 3);
  PlainStream out(pair.a.get());
  CHECK(writer.WriteTo(out).status().code() == absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace troupe
