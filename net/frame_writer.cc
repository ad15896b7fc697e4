#include "net/frame_writer.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace troupe {
namespace {

// Pieces handed to one sendmsg (Linux's IOV_MAX is 1024).
constexpr size_t kMaxPieces = 64;

}  // namespace

void FrameWriter::Push(EncodedFrame frame) {
  pending_bytes_ += frame.size();
  frames_.push_back(std::move(frame));
}

void FrameWriter::PushBytes(const char* bytes, size_t size) {
  EncodedFrame raw;
  raw.head.assign(bytes, bytes + size);
  Push(std::move(raw));
}

absl::StatusOr<bool> FrameWriter::WriteTo(ByteStream& stream) {
  std::vector<iovec> pieces;
  std::vector<int> descriptors;
  while (!frames_.empty()) {
    pieces.clear();
    descriptors.clear();
    uint64_t skip = sent_of_front_;
    // The front frame's descriptors go with this write unless they went
    // already; a later frame that has some begins a write of its own.
    if (!descriptors_sent_) {
      for (const auto& region : frames_.front().descriptors) {
        descriptors.push_back(region->fd());
      }
    }
    for (const EncodedFrame& frame : frames_) {
      if (&frame != &frames_.front() && !frame.descriptors.empty()) break;
      for (absl::Span<const char> span : frame.Spans()) {
        if (skip >= span.size()) {
          skip -= span.size();
          continue;
        }
        pieces.push_back({const_cast<char*>(span.data()) + skip,
                          span.size() - static_cast<size_t>(skip)});
        skip = 0;
        if (pieces.size() == kMaxPieces) break;
      }
      if (pieces.size() == kMaxPieces) break;
    }
    const ssize_t count = stream.WriteWithDescriptors(
        pieces.data(), static_cast<int>(pieces.size()), descriptors);
    if (count < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      return absl::UnavailableError(
          absl::StrCat("Connection lost: ", stream.ErrorText(errno)));
    }
    descriptors_sent_ = true;
    uint64_t left = static_cast<uint64_t>(count);
    pending_bytes_ -= left;
    while (left > 0) {
      const uint64_t rest = frames_.front().size() - sent_of_front_;
      if (left < rest) {
        sent_of_front_ += left;
        break;
      }
      left -= rest;
      frames_.pop_front();
      sent_of_front_ = 0;
      descriptors_sent_ = false;
    }
  }
  return true;
}

}  // namespace troupe
