// ReaderSpec: what defines a reader resource on the wire (its type, as the
// command line names it, and its options), and TensorFlow's shared-name check.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace troupe {

struct ReaderSpec {
  // "identity", "text_line", "fixed_length_record", "tf_record" or
  // "whole_file" (formats/reader_options.h validates the rest).
  std::string type = "identity";
  int64_t skip_header_lines = 0;
  int64_t record_bytes = 0;
  int64_t header_bytes = 0;
  int64_t footer_bytes = 0;
  int64_t hop_bytes = 0;
  // "", "GZIP" or "ZLIB".
  std::string compression;
  bool skip_corrupt = false;

  friend bool operator==(const ReaderSpec& a, const ReaderSpec& b) {
    return a.type == b.type && a.skip_header_lines == b.skip_header_lines &&
           a.record_bytes == b.record_bytes &&
           a.header_bytes == b.header_bytes &&
           a.footer_bytes == b.footer_bytes && a.hop_bytes == b.hop_bytes &&
           a.compression == b.compression && a.skip_corrupt == b.skip_corrupt;
  }
};

// INVALID_ARGUMENT when `requested` differs from the spec of the existing
// reader shared as `name`.
absl::Status CheckSharedReader(const ReaderSpec& existing,
                               const ReaderSpec& requested,
                               absl::string_view name);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReaderSpec& x) {
  return f(x.type, x.skip_header_lines, x.record_bytes, x.header_bytes,
           x.footer_bytes, x.hop_bytes, x.compression, x.skip_corrupt);
}

}  // namespace troupe
