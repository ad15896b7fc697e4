#include "formats/tfrecord_writer.h"

#include "base/status_macros.h"
#include "formats/file_output_stream.h"
#include "formats/tfrecord_format.h"
#include "formats/zlib_output_stream.h"

namespace troupe {

absl::StatusOr<std::unique_ptr<TFRecordWriter>> TFRecordWriter::Create(
    const std::string& path, std::string name, Compression compression) {
  TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<FileOutputStream> file,
                          FileOutputStream::Create(path, std::move(name)));
  return Create(std::move(file), compression);
}

absl::StatusOr<std::unique_ptr<TFRecordWriter>> TFRecordWriter::Create(
    std::unique_ptr<OutputStream> output, Compression compression) {
  if (compression != Compression::kNone) {
    TROUPE_ASSIGN_OR_RETURN(
        std::unique_ptr<ZlibOutputStream> zlib,
        ZlibOutputStream::Create(std::move(output), compression));
    output = std::move(zlib);
  }
  return std::unique_ptr<TFRecordWriter>(new TFRecordWriter(std::move(output)));
}

absl::Status TFRecordWriter::Write(absl::string_view record) {
  TROUPE_RETURN_IF_ERROR(output_->Append(EncodeTFRecordHeader(record.size())));
  TROUPE_RETURN_IF_ERROR(output_->Append(record));
  return output_->Append(EncodeTFRecordFooter(record));
}

absl::Status TFRecordWriter::Flush() { return output_->Flush(); }

absl::Status TFRecordWriter::Close() { return output_->Close(); }

}  // namespace troupe
