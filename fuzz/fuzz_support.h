// What the fuzz targets and their corpus generator share: the limits they
// decode under, the message target's input layout and the re-encoding check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

#include "serialization/wire_decoder.h"
#include "serialization/wire_format.h"
#include "serialization/wire_messages.h"

namespace troupe {

// Small limits, so that no input can reach the fuzzer's memory limit.
WireLimits FuzzLimits();

// An intake that hands a frame up to 4 sealed memfds of 0, 64, 4096 and
// 65536 bytes (handles 1 to 4), as a Unix connection would; more is refused.
SharedMemoryIntake FuzzIntake();

// The message target's input: u16 kind, u8 segment count, a u32 length per
// segment, u32 body length, the body, then the segments' bytes (each field
// little-endian, cut short where the input ends).
Frame FrameFromMessageInput(absl::Span<const uint8_t> input);
std::vector<char> MessageInputFromFrame(const EncodedFrame& frame);

// Aborts unless `message` encodes, that encoding decodes, and the decoded
// message encodes to the same bytes again.
void CheckReencodes(const Message& message);

}  // namespace troupe
