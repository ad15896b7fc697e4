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

}  // namespace troupe
