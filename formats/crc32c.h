// CRC-32C (Castagnoli), the checksum of TFRecord files and of checkpoints,
// and TFRecord's masked form of it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace troupe {

// The CRC-32C of `data` continued from `crc` (the CRC of what came before;
// 0 to start). Uses the SSE4.2 instruction where the processor has it.
uint32_t Crc32c(absl::string_view data, uint32_t crc = 0);
// The same without the SSE4.2 instruction: what Crc32c falls back to.
uint32_t Crc32cPortable(absl::string_view data, uint32_t crc = 0);

// TFRecord's masking, so that a CRC of data that holds CRCs stays robust:
// rotate right by 15 bits and add 0xa282ead8.
inline uint32_t MaskCrc32c(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
inline uint32_t UnmaskCrc32c(uint32_t masked) {
  uint32_t rotated = masked - 0xa282ead8u;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace troupe
