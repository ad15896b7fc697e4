#include "formats/tfrecord_format.h"

#include "absl/strings/str_cat.h"

#include "base/little_endian.h"
#include "formats/crc32c.h"

namespace troupe {
std::string EncodeTFRecordHeader(uint64_t length) {
  std::string header;
  AppendLittle<uint64_t>(length, header);
  AppendLittle<uint32_t>(MaskCrc32c(Crc32c(header)), header);
  return header;
}

std::string EncodeTFRecordFooter(absl::string_view data) {
  std::string footer;
  AppendLittle<uint32_t>(MaskCrc32c(Crc32c(data)), footer);
  return footer;
}

std::string EncodeTFRecord(absl::string_view data) {
  return absl::StrCat(EncodeTFRecordHeader(data.size()), data,
                      EncodeTFRecordFooter(data));
}

}  // namespace troupe
