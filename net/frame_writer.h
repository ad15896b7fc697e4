// FrameWriter: the frames a connection has yet to send, written with one
// write over many frames' pieces (tensor bytes are never copied), resuming
// where a partial send stopped. A frame's memfds go with its first byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/status/statusor.h"

#include "net/byte_stream.h"
#include "serialization/wire_encoder.h"

namespace troupe {

class FrameWriter {
 public:
  void Push(EncodedFrame frame);
  // Raw bytes before the frames (the handshake).
  void PushBytes(const char* bytes, size_t size);

  // Sends what `stream` takes now: true once nothing is left, false when
  // the socket is full. UNAVAILABLE when the connection is lost.
  absl::StatusOr<bool> WriteTo(ByteStream& stream);

  bool empty() const { return frames_.empty(); }
  // Frames queued and not sent yet (the one being sent included).
  size_t frames() const { return frames_.size(); }
  // Bytes queued and not sent yet.
  uint64_t pending_bytes() const { return pending_bytes_; }

 private:
  std::deque<EncodedFrame> frames_;
  // Bytes of frames_.front() already sent, and whether its descriptors went.
  uint64_t sent_of_front_ = 0;
  bool descriptors_sent_ = false;
  uint64_t pending_bytes_ = 0;
};

}  // namespace troupe
