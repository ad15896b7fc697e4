// libFuzzer target: the frame decoder fed a stream in random splits (the
// last 4 input bytes seed the split sizes), which must give the same frames
// and the same error as the stream fed whole; every frame's message then
// decodes or fails cleanly, and what decodes re-encodes identically. The
// decoder takes segments in shared memory from a few small sealed memfds.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"

namespace {

struct Decoded {
  std::vector<troupe::Frame> frames;
  absl::Status status;
};

// Feeds `stream` in pieces of 1..max_piece bytes, alternately through Feed()
// and through NextBuffer()/Commit().
Decoded DecodeInPieces(absl::Span<const char> stream, uint32_t seed) {
  troupe::FrameDecoder decoder(troupe::FuzzLimits(), nullptr,
                               troupe::FuzzIntake());
  Decoded decoded;
  std::minstd_rand random(seed);
  size_t max_piece = 1 + seed % 97;
  bool direct = false;
  while (!stream.empty() && decoded.status.ok()) {
    size_t piece = std::min(stream.size(), 1 + random() % max_piece);
    if (direct) {
      absl::Span<char> next = decoder.NextBuffer();
      piece = std::min(piece, next.size());
      std::memcpy(next.data(), stream.data(), piece);
      auto frame = decoder.Commit(piece);
      if (!frame.ok()) {
        decoded.status = frame.status();
      } else if (*frame) {
        decoded.frames.push_back(std::move(**frame));
      }
    } else {
      decoded.status = decoder.Feed(stream.subspan(0, piece), decoded.frames);
    }
    stream.remove_prefix(piece);
    direct = !direct;
  }
  return decoded;
}

bool SameFrames(const std::vector<troupe::Frame>& a,
                const std::vector<troupe::Frame>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].header.kind != b[i].header.kind ||
        a[i].header.request_id != b[i].header.request_id ||
        a[i].body != b[i].body || a[i].segments != b[i].segments ||
        a[i].shared.size() != b[i].shared.size()) {
      return false;
    }
    for (size_t s = 0; s < a[i].shared.size(); ++s) {
      if (a[i].shared[s].offset != b[i].shared[s].offset ||
          a[i].shared[s].length != b[i].shared[s].length) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t seed = 0;
  std::memcpy(&seed, data + size - 4, 4);
  absl::Span<const char> stream(reinterpret_cast<const char*>(data), size - 4);

  Decoded whole;
  troupe::FrameDecoder decoder(troupe::FuzzLimits(), nullptr,
                               troupe::FuzzIntake());
  whole.status = decoder.Feed(stream, whole.frames);
  Decoded pieces = DecodeInPieces(stream, seed);
  if (whole.status != pieces.status ||
      !SameFrames(whole.frames, pieces.frames)) {
    std::abort();
  }
  for (troupe::Frame& frame : whole.frames) {
    auto message = troupe::DecodeMessage(std::move(frame));
    if (message.ok()) {
      troupe::CheckReencodes(*message);
    } else if (message.status().message().empty()) {
      std::abort();
    }
  }
  return 0;
}
