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

}  // namespace troupe
