// ReaderOptions: which reader (TensorFlow's five kinds) and its options, with
// TensorFlow's validation texts and Troupe's limits.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"

#include "formats/compression.h"

namespace troupe {

enum class ReaderKind {
  kIdentity,
  kTextLine,
  kFixedLengthRecord,
  kTFRecord,
  kWholeFile,
};

// TensorFlow's class name: "IdentityReader", "TextLineReader",
// "FixedLengthRecordReader", "TFRecordReader", "WholeFileReader".
std::string ReaderKindName(ReaderKind kind);

struct ReaderOptions {
  // The default limit on a record: 256 MiB.
  static constexpr int64_t kDefaultMaxRecordBytes = int64_t{256} << 20;

  ReaderKind kind = ReaderKind::kIdentity;
  int64_t skip_header_lines = 0;  // TextLine.
  int64_t record_bytes = 0;       // FixedLength: record_bytes > 0 ...
  int64_t header_bytes = 0;       // ... and the others >= 0, in bytes of the
  int64_t footer_bytes = 0;       // uncompressed stream; hop_bytes 0 means
  int64_t hop_bytes = 0;          // record_bytes.
  // TextLine (a Troupe extension), FixedLength and TFRecord.
  Compression compression = Compression::kNone;
  // TFRecord: skip and count corrupt records instead of failing on them.
  bool skip_corrupt = false;
  // The largest record handed out, and so the most a source allocates: a
  // TextLine line, a TFRecord payload, a WholeFile file, FixedLength's
  // record_bytes + footer_bytes. Beyond it: RESOURCE_EXHAUSTED.
  int64_t max_record_bytes = kDefaultMaxRecordBytes;
};

// INVALID_ARGUMENT with TensorFlow's text for a negative size
// ("header_bytes must be >= 0 not -1", "skip_header_lines must be >= 0 not
// -1"), and Troupe's for what TensorFlow lets through: record_bytes 0 (an
// endless stream of empty records), a record larger than max_record_bytes, an
// option the kind does not take ("WholeFileReader takes no compression").
absl::Status ValidateReaderOptions(const ReaderOptions& options);

}  // namespace troupe
