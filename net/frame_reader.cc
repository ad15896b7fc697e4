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

SharedMemoryIntake FrameReader::MakeIntake(
    std::shared_ptr<Descriptors> descriptors,
    std::function<absl::Status(uint64_t)> charge) {
  SharedMemoryIntake intake;
  intake.take = [descriptors](size_t count)
      -> absl::StatusOr<std::vector<std::shared_ptr<const SharedRegion>>> {
    if (!descriptors->allowed) {
      return absl::InvalidArgumentError(
          "Frame has segments in shared memory, but the handshakes did not "
          "allow them on this connection");
    }
    if (count > descriptors->waiting.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Frame names shared-memory handle ", count, ", but only ",
          descriptors->waiting.size(), " descriptors came with it"));
    }
    std::vector<std::shared_ptr<const SharedRegion>> regions;
    for (size_t i = 0; i < count; ++i) {
      const int fd = descriptors->waiting.front().Release();
      descriptors->waiting.pop_front();
      absl::StatusOr<std::shared_ptr<const SharedRegion>> region =
          SharedRegion::Adopt(fd);
      if (!region.ok()) {
        return absl::Status(
            region.status().code(),
            absl::StrCat("Handle ", i + 1, ": ", region.status().message()));
      }
      regions.push_back(*std::move(region));
    }
    return regions;
  };
  intake.charge = std::move(charge);
  return intake;
}

FrameReader::FrameReader(WireLimits limits, FrameDecoder::HeaderCheck check,
                         bool shared_memory,
                         std::function<absl::Status(uint64_t)> charge_shared)
    : descriptors_(std::make_shared<Descriptors>()),
      decoder_(limits, std::move(check),
               shared_memory
                   ? MakeIntake(descriptors_, std::move(charge_shared))
                   : SharedMemoryIntake{}) {
  descriptors_->offered = shared_memory;
}

absl::StatusOr<FrameReader::Progress> FrameReader::ReadFrom(
    ByteStream& stream, std::vector<Frame>& frames) {
  if (staging_.empty()) staging_.resize(kStagingBytes);
  absl::Span<char> next = decoder_.NextBuffer();
  const bool direct = handshake_.has_value() && next.size() >= kDirectBytes;
  const size_t asked = direct       ? next.size()
                       : handshake_ ? staging_.size()
                                    : kHandshakeBytes - handshake_filled_;
  char* const into = direct ? next.data() : staging_.data();
  const ssize_t count =
      descriptors_->offered
          ? stream.ReadWithDescriptors(into, asked, descriptors_->waiting)
          : stream.Read(into, asked);
  if (descriptors_->waiting.size() > kMaxDescriptorsPerFrame) {
    return absl::ResourceExhaustedError(
        absl::StrCat("Peer sent ", descriptors_->waiting.size(),
                     " descriptors that no frame named (",
                     kMaxDescriptorsPerFrame, " at most)"));
  }
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
    descriptors_->allowed =
        descriptors_->offered &&
        (handshake_->flags & kHandshakeMayUseSharedMemory) != 0;
  }
  if (bytes.empty()) return absl::OkStatus();
  return decoder_.Feed(bytes, frames);
}

}  // namespace troupe
