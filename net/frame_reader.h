// FrameReader: reads a connection's handshake and frames from its socket,
// small pieces through a staging buffer and large segments straight into the
// buffers their tensors will own (serialization/wire_decoder.h).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"

#include "net/byte_stream.h"
#include "serialization/wire_decoder.h"
#include "serialization/wire_format.h"

namespace troupe {

class FrameReader {
 public:
  // What a read found: bytes, with more maybe waiting (kRead) or fewer than
  // asked for, so that the socket had no more (kDrained); nothing to read
  // now; or the peer's end of the stream. Frames may be incomplete.
  enum class Progress { kRead, kDrained, kWouldBlock, kClosed };

  // With `shared_memory`, the connection is a Unix socket whose side sent
  // kHandshakeMayUseSharedMemory: once the peer's handshake set it too,
  // frames may name the memfds that came with them (each adopted as a
  // SharedRegion, their bytes charged to `charge_shared` if given).
  explicit FrameReader(
      WireLimits limits = {}, FrameDecoder::HeaderCheck check = nullptr,
      bool shared_memory = false,
      std::function<absl::Status(uint64_t)> charge_shared = nullptr);

  // One read from `stream`: the peer's handshake first (and nothing past
  // it, so that TLS can begin right after), then frames, each completed one
  // appended to `frames`. An error (a bad handshake, a frame over the
  // limits, a broken connection) leaves the reader failed: close the
  // connection.
  absl::StatusOr<Progress> ReadFrom(ByteStream& stream,
                                    std::vector<Frame>& frames);

  // The peer's handshake once its 16 bytes arrived and passed ParseHandshake.
  const std::optional<Handshake>& handshake() const { return handshake_; }
  // Whether both handshakes allowed segments in shared memory.
  bool shares_memory() const { return descriptors_->allowed; }
  // Descriptors received and not named by a frame yet.
  size_t waiting_descriptors() const { return descriptors_->waiting.size(); }

  // Hands over bytes already read from the socket, as if ReadFrom got them.
  absl::Status Feed(absl::Span<const char> bytes, std::vector<Frame>& frames);

 private:
  struct Descriptors {
    bool offered = false;  // by this side
    bool allowed = false;  // by both sides
    std::deque<Fd> waiting;
  };
  // The decoder's intake: adopts the waiting descriptors a frame names.
  static SharedMemoryIntake MakeIntake(
      std::shared_ptr<Descriptors> descriptors,
      std::function<absl::Status(uint64_t)> charge);

  // Shared with the decoder's intake, so that the reader can move.
  std::shared_ptr<Descriptors> descriptors_;
  FrameDecoder decoder_;
  std::vector<char> staging_;
  char handshake_bytes_[kHandshakeBytes] = {};
  size_t handshake_filled_ = 0;
  std::optional<Handshake> handshake_;
};

}  // namespace troupe
