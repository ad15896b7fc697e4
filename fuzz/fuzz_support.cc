#include "fuzz/fuzz_support.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/serialization/wire_samples.h"

namespace troupe {

namespace {

// Reads little-endian fields from the front of a fuzz input; a field past its
// end reads as 0.
class InputReader {
 public:
  explicit InputReader(absl::Span<const uint8_t> input) : input_(input) {}

  uint64_t Take(size_t width) {
    uint64_t value = 0;
    for (size_t i = 0; i < width && !input_.empty(); ++i) {
      value |= uint64_t{input_[0]} << (8 * i);
      input_.remove_prefix(1);
    }
    return value;
  }

  std::vector<char> Bytes(uint64_t count) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(count, input_.size()));
    std::vector<char> bytes(input_.begin(), input_.begin() + n);
    input_.remove_prefix(n);
    return bytes;
  }

 private:
  absl::Span<const uint8_t> input_;
};

void Put(std::vector<char>& out, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) {
    out.push_back(static_cast<char>(value >> (8 * i)));
  }
}

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::abort();
}

}  // namespace

WireLimits FuzzLimits() {
  WireLimits limits;
  limits.max_frame_bytes = 1 << 20;
  limits.max_segments_per_frame = 64;
  limits.max_body_bytes = 1 << 16;
  return limits;
}

SharedMemoryIntake FuzzIntake() {
  // Made once: sealed memfds of a byte pattern.
  static const std::vector<std::shared_ptr<const SharedRegion>>* regions = [] {
    auto* made = new std::vector<std::shared_ptr<const SharedRegion>>();
    for (size_t size : {0, 64, 4096, 65536}) {
      std::string bytes(size, '\0');
      for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 7);
      auto region = SharedRegion::Create(bytes);
      if (!region.ok()) Die("cannot create a memfd");
      made->push_back(*std::move(region));
    }
    return made;
  }();
  SharedMemoryIntake intake;
  intake.take = [](size_t count)
      -> absl::StatusOr<std::vector<std::shared_ptr<const SharedRegion>>> {
    if (count > regions->size()) {
      return absl::InvalidArgumentError("Frame names too many descriptors");
    }
    std::vector<std::shared_ptr<const SharedRegion>> taken;
    for (size_t i = 0; i < count; ++i) {
      auto region =
          SharedRegion::Adopt(fcntl((*regions)[i]->fd(), F_DUPFD_CLOEXEC, 0));
      if (!region.ok()) Die("a sealed memfd was refused");
      taken.push_back(*std::move(region));
    }
    return taken;
  };
  return intake;
}

Frame FrameFromMessageInput(absl::Span<const uint8_t> input) {
  InputReader reader(input);
  Frame frame;
  frame.header.kind = static_cast<uint16_t>(reader.Take(2));
  std::vector<uint64_t> lengths(reader.Take(1));
  for (uint64_t& length : lengths) length = reader.Take(4);
  frame.body = reader.Bytes(reader.Take(4));
  for (uint64_t length : lengths)
    frame.segments.push_back(reader.Bytes(length));
  return frame;
}

std::vector<char> MessageInputFromFrame(const EncodedFrame& frame) {
  std::vector<char> input;
  const auto& spans = frame.segments.spans();
  auto header = ParseFrameHeader(
      absl::Span<const char>(frame.head.data(), kFrameHeaderBytes),
      FuzzLimits());
  Put(input, header.ok() ? header->kind : 0, 2);
  Put(input, spans.size(), 1);
  for (absl::Span<const char> span : spans) Put(input, span.size(), 4);
  size_t body_start = kFrameHeaderBytes + kSegmentEntryBytes * spans.size();
  Put(input, frame.head.size() - body_start, 4);
  input.insert(input.end(), frame.head.begin() + body_start, frame.head.end());
  for (absl::Span<const char> span : spans) {
    input.insert(input.end(), span.begin(), span.end());
  }
  return input;
}

void CheckReencodes(const Message& message) {
  auto first = EncodeMessage(7, message, FuzzLimits());
  if (!first.ok()) return;  // A decoded message may be over the limits.
  std::vector<char> bytes = Flatten(*first);
  FrameDecoder decoder(FuzzLimits());
  std::vector<Frame> frames;
  if (!decoder.Feed(bytes, frames).ok() || frames.size() != 1) {
    Die("an encoded message does not decode to one frame");
  }
  auto back = DecodeMessage(std::move(frames[0]));
  if (!back.ok()) Die("an encoded message does not decode");
  if (back->index() != message.index()) Die("the kind changed");
  auto second = EncodeMessage(7, *back, FuzzLimits());
  if (!second.ok() || Flatten(*second) != bytes) {
    Die("a decoded message encodes to other bytes");
  }
}

}  // namespace troupe
