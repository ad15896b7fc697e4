// TFRecordWriter: writes records in TFRecord framing (tfrecord_format.h),
// plain or through GZIP/ZLIB, to a file or any OutputStream.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "formats/compression.h"
#include "formats/output_stream.h"

namespace troupe {

// Not thread-safe. The file is complete once Close() returned OK.
class TFRecordWriter {
 public:
  // Creates or truncates `path` (`name` names it in errors).
  static absl::StatusOr<std::unique_ptr<TFRecordWriter>> Create(
      const std::string& path, std::string name, Compression compression);
  // Writes into `output`, compressing if `compression` says so.
  static absl::StatusOr<std::unique_ptr<TFRecordWriter>> Create(
      std::unique_ptr<OutputStream> output, Compression compression);

  absl::Status Write(absl::string_view record);
  absl::Status Flush();
  absl::Status Close();

 private:
  explicit TFRecordWriter(std::unique_ptr<OutputStream> output)
      : output_(std::move(output)) {}

  std::unique_ptr<OutputStream> output_;
};

}  // namespace troupe
