#include "serialization/wire_messages.h"

#include <type_traits>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "serialization/wire_body.h"

namespace troupe {

namespace {

// The alternative of Message whose kind `frame` has, from index I on.
template <size_t I = 0>
absl::StatusOr<Message> DecodeFrom(Frame& frame) {
  if constexpr (I == std::variant_size_v<Message>) {
    return absl::InvalidArgumentError(
        absl::StrCat("Frame has an unknown message kind ", frame.header.kind));
  } else {
    using M = std::variant_alternative_t<I, Message>;
    if (frame.header.kind != static_cast<uint16_t>(M::kKind)) {
      return DecodeFrom<I + 1>(frame);
    }
    M message;
    BodyReader reader(frame.body, std::move(frame.segments),
                      std::move(frame.shared));
    TROUPE_RETURN_IF_ERROR(inspect(reader, message));
    TROUPE_RETURN_IF_ERROR(reader.Finish());
    if constexpr (std::is_same_v<M, ErrorReply>) {
      if (message.status.ok()) {
        return absl::InvalidArgumentError("Error reply carries no error");
      }
    }
    return Message(std::move(message));
  }
}

}  // namespace

absl::StatusOr<EncodedFrame> EncodeMessage(uint64_t request_id,
                                           const Message& message,
                                           const WireLimits& limits,
                                           uint64_t shared_min_bytes) {
  return std::visit(
      [&](const auto& typed) {
        using M = std::decay_t<decltype(typed)>;
        BodyWriter writer;
        // inspect() takes a mutable message; the writer only reads it.
        inspect(writer, const_cast<M&>(typed));
        return EncodeFrame(static_cast<uint16_t>(M::kKind), request_id,
                           writer.body(), writer.TakeSegments(), limits,
                           shared_min_bytes);
      },
      message);
}

absl::StatusOr<Message> DecodeMessage(Frame frame) { return DecodeFrom(frame); }

}  // namespace troupe
