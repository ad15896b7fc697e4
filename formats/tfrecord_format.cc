#include "formats/tfrecord_format.h"

#include "absl/strings/str_cat.h"

#include "formats/crc32c.h"

namespace troupe {
namespace {

void AppendFixed(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

}  // namespace

std::string EncodeTFRecordHeader(uint64_t length) {
  std::string header;
  AppendFixed(length, 8, &header);
  AppendFixed(MaskCrc32c(Crc32c(header)), 4, &header);
  return header;
}

std::string EncodeTFRecordFooter(absl::string_view data) {
  std::string footer;
  AppendFixed(MaskCrc32c(Crc32c(data)), 4, &footer);
  return footer;
}

std::string EncodeTFRecord(absl::string_view data) {
  return absl::StrCat(EncodeTFRecordHeader(data.size()), data,
                      EncodeTFRecordFooter(data));
}

uint32_t DecodeFixed32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

uint64_t DecodeFixed64(const char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

}  // namespace troupe
