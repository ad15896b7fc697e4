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
  owned_.push_back(std::move(lengths));
}

std::vector<absl::Span<const char>> EncodedFrame::Spans() const {
  std::vector<absl::Span<const char>> spans;
  spans.reserve(1 + segments.spans().size());
  spans.emplace_back(head.data(), head.size());
  for (absl::Span<const char> span : segments.spans()) {
    if (!span.empty()) spans.push_back(span);
  }
  return spans;
}

uint64_t EncodedFrame::size() const {
  uint64_t total = head.size();
  for (absl::Span<const char> span : segments.spans()) total += span.size();
  return total;
}

absl::StatusOr<EncodedFrame> EncodeFrame(uint16_t kind, uint64_t request_id,
                                         absl::Span<const char> body,
                                         OutgoingSegments segments,
                                         const WireLimits& limits) {
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
  uint64_t frame_bytes = header.prefix_bytes();
  for (absl::Span<const char> span : spans) frame_bytes += span.size();
  if (frame_bytes > limits.max_frame_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Frame of ", frame_bytes,
        " bytes is over the limit max_frame_bytes = ", limits.max_frame_bytes));
  }
  header.frame_bytes = frame_bytes;

  EncodedFrame frame;
  frame.head.resize(header.prefix_bytes());
  char* out = frame.head.data();
  EncodeFrameHeader(header, out);
  out += kFrameHeaderBytes;
  for (absl::Span<const char> span : spans) {
    SegmentEntry entry;
    entry.length = span.size();
    EncodeSegmentEntry(entry, out);
    out += kSegmentEntryBytes;
  }
  if (!body.empty()) std::memcpy(out, body.data(), body.size());
  frame.segments = std::move(segments);
  return frame;
}

}  // namespace troupe
