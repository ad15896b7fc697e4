// libFuzzer target: the handshake parser, and that what it accepts encodes
// back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "serialization/wire_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::Span<const char> bytes(reinterpret_cast<const char*>(data), size);
  auto handshake = troupe::ParseHandshake(bytes);
  if (handshake.ok()) {
    char out[troupe::kHandshakeBytes];
    troupe::EncodeHandshake(*handshake, out);
    if (std::memcmp(out, data, sizeof(out)) != 0) std::abort();
  } else if (handshake.status().message().empty()) {
    std::abort();
  }
  return 0;
}
