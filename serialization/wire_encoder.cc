#include "serialization/wire_encoder.h"

#include <cstring>

#include "absl/strings/str_cat.h"

#include "base/little_endian.h"

namespace troupe {

void OutgoingSegments::AddTensorBytes(const Tensor& tensor) {
  if (tensor.dtype() == DType::kString) {
    spans_.push_back(tensor.strings().bytes());
  } else {
    spans_.emplace_back(tensor.data(), tensor.byte_size());
  }
  shared_.push_back(tensor.shared_slice());
  tensors_.push_back(tensor);
}

void OutgoingSegments::AddStringLengths(const Tensor& tensor) {
  StringsView strings = tensor.strings();
  std::vector<char> lengths(strings.size() * sizeof(uint64_t));
  char* out = lengths.data();
  for (absl::string_view value : strings) {
    PutLittle<uint64_t>(value.size(), out);
    out += sizeof(uint64_t);
  }
  // Moving the vector into owned_ keeps its heap buffer, so the span stays
  // valid however owned_ grows.
  spans_.emplace_back(lengths.data(), lengths.size());
  shared_.emplace_back();
  owned_.push_back(std::move(lengths));
}

std::vector<absl::Span<const char>> EncodedFrame::Spans() const {
  std::vector<absl::Span<const char>> spans;
  spans.reserve(1 + segments.spans().size());
  spans.emplace_back(head.data(), head.size());
  const auto& all = segments.spans();
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].empty() && (in_shared.empty() || !in_shared[i])) {
      spans.push_back(all[i]);
    }
  }
  return spans;
}

uint64_t EncodedFrame::size() const {
  uint64_t total = head.size();
  for (absl::Span<const char> span : segments.spans()) total += span.size();
  return total - shared_bytes;
}

namespace {

// Moves the segments of `frame` of at least `min_bytes` into shared memory:
// fills frame.in_shared, frame.descriptors and `entries`, one per segment.
void ShareSegments(EncodedFrame& frame, uint64_t min_bytes,
                   std::vector<SegmentEntry>& entries) {
  const auto& spans = frame.segments.spans();
  const auto& shared = frame.segments.shared();
  for (size_t i = 0; i < spans.size(); ++i) {
    if (spans[i].size() < min_bytes) continue;
    SharedSlice slice = shared[i];
    if (!slice.region || slice.region->fd() < 0) {
      if (frame.descriptors.size() == kMaxDescriptorsPerFrame) continue;
      auto created = SharedRegion::Create(spans[i]);
      if (!created.ok()) continue;
      slice = SharedSlice{*std::move(created), 0, spans[i].size()};
    }
    uint32_t handle = 0;
    for (size_t d = 0; d < frame.descriptors.size(); ++d) {
      if (frame.descriptors[d] == slice.region) {
        handle = static_cast<uint32_t>(d + 1);
      }
    }
    if (handle == 0) {
      if (frame.descriptors.size() == kMaxDescriptorsPerFrame) continue;
      frame.descriptors.push_back(slice.region);
      handle = static_cast<uint32_t>(frame.descriptors.size());
    }
    if (frame.in_shared.empty()) frame.in_shared.resize(spans.size());
    frame.in_shared[i] = true;
    frame.shared_bytes += spans[i].size();
    entries[i] = SegmentEntry{spans[i].size(), kSegmentInSharedMemory, handle,
                              slice.offset};
  }
}

}  // namespace

absl::StatusOr<EncodedFrame> EncodeFrame(uint16_t kind, uint64_t request_id,
                                         absl::Span<const char> body,
                                         OutgoingSegments segments,
                                         const WireLimits& limits,
                                         uint64_t shared_min_bytes) {
  const auto& spans = segments.spans();
  if (spans.size() > limits.max_segments_per_frame) {
    return absl::ResourceExhaustedError(
        absl::StrCat("Frame of ", spans.size(),
                     " segments is over the limit max_segments_per_frame = ",
                     limits.max_segments_per_frame));
  }
  if (body.size() > limits.max_body_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Message body of ", body.size(),
        " bytes is over the limit max_body_bytes = ", limits.max_body_bytes));
  }
  FrameHeader header;
  header.kind = kind;
  header.segment_count = static_cast<uint32_t>(spans.size());
  header.request_id = request_id;
  header.body_bytes = static_cast<uint32_t>(body.size());
  // The peer counts a region's bytes as part of the frame.
  uint64_t frame_bytes = header.prefix_bytes();
  for (absl::Span<const char> span : spans) frame_bytes += span.size();
  if (frame_bytes > limits.max_frame_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Frame of ", frame_bytes,
        " bytes is over the limit max_frame_bytes = ", limits.max_frame_bytes));
  }

  EncodedFrame frame;
  std::vector<SegmentEntry> entries(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) entries[i].length = spans[i].size();
  frame.segments = std::move(segments);
  ShareSegments(frame, shared_min_bytes, entries);
  header.frame_bytes = frame_bytes - frame.shared_bytes;
  frame.head.resize(header.prefix_bytes());
  char* out = frame.head.data();
  EncodeFrameHeader(header, out);
  out += kFrameHeaderBytes;
  for (const SegmentEntry& entry : entries) {
    EncodeSegmentEntry(entry, out);
    out += kSegmentEntryBytes;
  }
  if (!body.empty()) std::memcpy(out, body.data(), body.size());
  return frame;
}

}  // namespace troupe
