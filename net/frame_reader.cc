#include "net/frame_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"

namespace troupe {
namespace {

// A piece at least this large is received straight into its own buffer;
// smaller ones go through the staging buffer, several per recv.
constexpr size_t kDirectBytes = 64 * 1024;
constexpr size_t kStagingBytes = 64 * 1024;

}  // namespace

FrameReader::FrameReader(WireLimits limits, FrameDecoder::HeaderCheck check)
    : decoder_(limits, std::move(check)) {}

absl::StatusOr<FrameReader::Progress> FrameReader::ReadFrom(
    ByteStream& stream, std::vector<Frame>& frames) {
  if (staging_.empty()) staging_.resize(kStagingBytes);
  absl::Span<char> next = decoder_.NextBuffer();
  const bool direct = handshake_.has_value() && next.size() >= kDirectBytes;
  const size_t asked = direct       ? next.size()
                       : handshake_ ? staging_.size()
                                    : kHandshakeBytes - handshake_filled_;
  const ssize_t count =
      stream.Read(direct ? next.data() : staging_.data(), asked);
  if (count == 0) return Progress::kClosed;
  if (count < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      return Progress::kWouldBlock;
    }
    return absl::UnavailableError(
        absl::StrCat("Connection lost: ", stream.ErrorText(errno)));
  }
  const Progress progress =
      static_cast<size_t>(count) < asked && stream.ShortReadDrains()
          ? Progress::kDrained
          : Progress::kRead;
  if (!direct) {
    TROUPE_RETURN_IF_ERROR(
        Feed(absl::MakeConstSpan(staging_.data(), count), frames));
    return progress;
  }
  TROUPE_ASSIGN_OR_RETURN(std::optional<Frame> frame, decoder_.Commit(count));
  if (frame) frames.push_back(*std::move(frame));
  return progress;
}

absl::Status FrameReader::Feed(absl::Span<const char> bytes,
                               std::vector<Frame>& frames) {
  if (!handshake_) {
    const size_t take =
        std::min(bytes.size(), kHandshakeBytes - handshake_filled_);
    std::memcpy(handshake_bytes_ + handshake_filled_, bytes.data(), take);
    handshake_filled_ += take;
    bytes.remove_prefix(take);
    if (handshake_filled_ < kHandshakeBytes) return absl::OkStatus();
    TROUPE_ASSIGN_OR_RETURN(
        handshake_,
        ParseHandshake(absl::MakeConstSpan(handshake_bytes_, kHandshakeBytes)));
  }
  if (bytes.empty()) return absl::OkStatus();
  return decoder_.Feed(bytes, frames);
}

}  // namespace troupe
