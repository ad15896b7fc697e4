// WholeFileSource: WholeFileReader's one record per unit: key "<name>",
// value the whole file, at most max_record_bytes of it.
#pragma once

#include <memory>
#include <string>

#include "formats/input_stream.h"
#include "formats/reader_options.h"
#include "formats/record_source.h"

namespace troupe {

// The file is opened when the source is (so a missing file fails once, as
// with the other readers; TensorFlow's WholeFileReader fails on it forever).
// A larger file is RESOURCE_EXHAUSTED "<name> is <size> bytes, more than
// the limit of <max_record_bytes>", having held at most the limit plus one
// buffer.
class WholeFileSource : public RecordSource {
 public:
  // REQUIRES: ValidateReaderOptions(options).ok().
  static absl::StatusOr<std::unique_ptr<WholeFileSource>> Open(
      const ReaderOptions& options, std::string name, StreamOpener open);

  absl::StatusOr<std::optional<absl::string_view>> Next() override;
  absl::string_view key() override { return name_; }
  SourcePosition position() const override { return {0, done_ ? 1 : 0}; }
  // Position {0, 0} (the file still to read) or {0, 1} (read).
  absl::Status Restore(const SourcePosition& position) override;

 private:
  WholeFileSource(std::string name, StreamOpener open, int64_t max_bytes)
      : name_(std::move(name)), open_(std::move(open)), max_bytes_(max_bytes) {}

  std::string name_;
  StreamOpener open_;
  int64_t max_bytes_;
  std::unique_ptr<InputStream> stream_;
  bool done_ = false;
  absl::Status error_;
  std::string contents_;
};

}  // namespace troupe
