#include "formats/open_record_source.h"

#include "base/status_macros.h"
#include "formats/file_input_stream.h"
#include "formats/fixed_length_source.h"
#include "formats/identity_source.h"
#include "formats/text_line_source.h"
#include "formats/tfrecord_source.h"
#include "formats/whole_file_source.h"
#include "formats/zlib_input_stream.h"

namespace troupe {
namespace {

template <class Source>
absl::StatusOr<std::unique_ptr<RecordSource>> Upcast(
    absl::StatusOr<std::unique_ptr<Source>> source) {
  if (!source.ok()) return source.status();
  return std::unique_ptr<RecordSource>(std::move(source).value());
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordSource>> OpenRecordSource(
    const ReaderOptions& options, std::string work, StreamOpener open) {
  TROUPE_RETURN_IF_ERROR(ValidateReaderOptions(options));
  StreamOpener bytes =
      DecompressingOpener(std::move(open), options.compression, work);
  switch (options.kind) {
    case ReaderKind::kIdentity:
      return std::unique_ptr<RecordSource>(
          std::make_unique<IdentitySource>(std::move(work)));
    case ReaderKind::kTextLine:
      return Upcast(
          TextLineSource::Open(options, std::move(work), std::move(bytes)));
    case ReaderKind::kFixedLengthRecord:
      return Upcast(
          FixedLengthSource::Open(options, std::move(work), std::move(bytes)));
    case ReaderKind::kTFRecord:
      return Upcast(
          TFRecordSource::Open(options, std::move(work), std::move(bytes)));
    case ReaderKind::kWholeFile:
      return Upcast(
          WholeFileSource::Open(options, std::move(work), std::move(bytes)));
  }
  return absl::InvalidArgumentError("Unknown reader kind");
}

absl::StatusOr<std::unique_ptr<RecordSource>> OpenFileRecordSource(
    const ReaderOptions& options, std::string work, std::string path) {
  StreamOpener open = FileOpener(std::move(path), work);
  return OpenRecordSource(options, std::move(work), std::move(open));
}

absl::StatusOr<std::unique_ptr<RecordSource>> OpenRecordSourceAt(
    const ReaderOptions& options, std::string work, StreamOpener open,
    const SourcePosition& position) {
  TROUPE_ASSIGN_OR_RETURN(
      std::unique_ptr<RecordSource> source,
      OpenRecordSource(options, std::move(work), std::move(open)));
  TROUPE_RETURN_IF_ERROR(source->Restore(position));
  return source;
}

}  // namespace troupe
