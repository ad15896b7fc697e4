#include "formats/reader_options.h"

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"

namespace troupe {
namespace {

absl::Status NonNegative(absl::string_view name, int64_t value) {
  if (value >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be >= 0 not ", value));
}

absl::Status NotTaken(const ReaderOptions& options, absl::string_view name,
                      bool given) {
  if (!given) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(ReaderKindName(options.kind), " takes no ", name));
}

}  // namespace

std::string ReaderKindName(ReaderKind kind) {
  switch (kind) {
    case ReaderKind::kIdentity:
      return "IdentityReader";
    case ReaderKind::kTextLine:
      return "TextLineReader";
    case ReaderKind::kFixedLengthRecord:
      return "FixedLengthRecordReader";
    case ReaderKind::kTFRecord:
      return "TFRecordReader";
    case ReaderKind::kWholeFile:
      return "WholeFileReader";
  }
  return "Reader";
}

absl::Status ValidateReaderOptions(const ReaderOptions& options) {
  if (options.max_record_bytes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_record_bytes must be > 0 not ", options.max_record_bytes));
  }
  const ReaderKind kind = options.kind;
  const bool fixed = kind == ReaderKind::kFixedLengthRecord;
  if (kind == ReaderKind::kTextLine) {
    TROUPE_RETURN_IF_ERROR(
        NonNegative("skip_header_lines", options.skip_header_lines));
  } else {
    TROUPE_RETURN_IF_ERROR(
        NotTaken(options, "skip_header_lines", options.skip_header_lines != 0));
  }
  if (fixed) {
    TROUPE_RETURN_IF_ERROR(NonNegative("header_bytes", options.header_bytes));
    TROUPE_RETURN_IF_ERROR(NonNegative("record_bytes", options.record_bytes));
    TROUPE_RETURN_IF_ERROR(NonNegative("footer_bytes", options.footer_bytes));
    TROUPE_RETURN_IF_ERROR(NonNegative("hop_bytes", options.hop_bytes));
    if (options.record_bytes == 0) {
      return absl::InvalidArgumentError("record_bytes must be > 0 not 0");
    }
    if (options.record_bytes > options.max_record_bytes ||
        options.footer_bytes >
            options.max_record_bytes - options.record_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record_bytes + footer_bytes must be <= ", options.max_record_bytes,
          " (max_record_bytes)"));
    }
  } else {
    TROUPE_RETURN_IF_ERROR(
        NotTaken(options, "header_bytes", options.header_bytes != 0));
    TROUPE_RETURN_IF_ERROR(
        NotTaken(options, "record_bytes", options.record_bytes != 0));
    TROUPE_RETURN_IF_ERROR(
        NotTaken(options, "footer_bytes", options.footer_bytes != 0));
    TROUPE_RETURN_IF_ERROR(
        NotTaken(options, "hop_bytes", options.hop_bytes != 0));
  }
  const bool compressible =
      kind == ReaderKind::kTextLine || fixed || kind == ReaderKind::kTFRecord;
  TROUPE_RETURN_IF_ERROR(
      NotTaken(options, "compression",
               !compressible && options.compression != Compression::kNone));
  TROUPE_RETURN_IF_ERROR(
      NotTaken(options, "skip_corrupt",
               kind != ReaderKind::kTFRecord && options.skip_corrupt));
  return absl::OkStatus();
}

}  // namespace troupe
