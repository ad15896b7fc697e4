// TFRecord framing, little-endian: uint64 length | uint32 masked CRC-32C of
// the 8 length bytes | data | uint32 masked CRC-32C of the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace troupe {

inline constexpr size_t kTFRecordHeaderBytes = 12;
inline constexpr size_t kTFRecordFooterBytes = 4;

// The 12 header bytes of a record of `length` data bytes.
std::string EncodeTFRecordHeader(uint64_t length);
// The 4 footer bytes of a record holding `data`.
std::string EncodeTFRecordFooter(absl::string_view data);
// A whole framed record: header, data, footer.
std::string EncodeTFRecord(absl::string_view data);

// Little-endian fixed-width integers. REQUIRES: enough bytes at `bytes`.
// Inline: the reader decodes two per record.
inline uint32_t DecodeFixed32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

inline uint64_t DecodeFixed64(const char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

}  // namespace troupe
