// libFuzzer target: message bodies and their segments (layout in
// fuzz_support.h), without a frame header in the way; what decodes must
// re-encode identically.
#include <cstdint>
#include <cstdlib>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto message = troupe::DecodeMessage(
      troupe::FrameFromMessageInput(absl::Span<const uint8_t>(data, size)));
  if (message.ok()) {
    troupe::CheckReencodes(*message);
  } else if (message.status().message().empty()) {
    std::abort();
  }
  return 0;
}
