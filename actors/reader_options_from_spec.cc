#include "actors/reader_options_from_spec.h"

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "formats/compression.h"

namespace troupe {

namespace {

absl::StatusOr<ReaderKind> ParseReaderType(const std::string& type) {
  if (type == "identity") return ReaderKind::kIdentity;
  if (type == "text_line") return ReaderKind::kTextLine;
  if (type == "fixed_length_record") return ReaderKind::kFixedLengthRecord;
  if (type == "tf_record") return ReaderKind::kTFRecord;
  if (type == "whole_file") return ReaderKind::kWholeFile;
  return absl::InvalidArgumentError(
      absl::StrCat("Unknown reader type '", type,
                   "'; expected identity, text_line, fixed_length_record, "
                   "tf_record or whole_file"));
}

}  // namespace

absl::StatusOr<ReaderOptions> ReaderOptionsFromSpec(const ReaderSpec& spec) {
  ReaderOptions options;
  TROUPE_ASSIGN_OR_RETURN(options.kind, ParseReaderType(spec.type));
  options.skip_header_lines = spec.skip_header_lines;
  options.record_bytes = spec.record_bytes;
  options.header_bytes = spec.header_bytes;
  options.footer_bytes = spec.footer_bytes;
  options.hop_bytes = spec.hop_bytes;
  TROUPE_ASSIGN_OR_RETURN(options.compression,
                          ParseCompression(spec.compression));
  options.skip_corrupt = spec.skip_corrupt;
  TROUPE_RETURN_IF_ERROR(ValidateReaderOptions(options));
  return options;
}

}  // namespace troupe
