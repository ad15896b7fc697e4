// TextLineSource: TextLineReader's records, one per line: key
// "<name>:<1-based line>" (header lines counted), value the line without its
// '\n' and one trailing '\r'.
#pragma once

#include <memory>
#include <string>

#include "formats/byte_reader.h"
#include "formats/input_stream.h"
#include "formats/reader_options.h"
#include "formats/record_source.h"

namespace troupe {

// A lone '\r' is no line break; a last line without '\n' is a record unless
// it is a lone "\r"; a line longer than max_record_bytes is RESOURCE_EXHAUSTED.
class TextLineSource : public RecordSource {
 public:
  // Opens the unit and skips its header lines (a shorter file yields
  // nothing). REQUIRES: ValidateReaderOptions(options).ok(); `open` gives the
  // uncompressed bytes.
  static absl::StatusOr<std::unique_ptr<TextLineSource>> Open(
      const ReaderOptions& options, std::string name, StreamOpener open);

  absl::StatusOr<std::optional<absl::string_view>> Next() override;
  absl::string_view key() override;
  SourcePosition position() const override { return position_; }
  absl::Status Restore(const SourcePosition& position) override;

 private:
  TextLineSource(const ReaderOptions& options, std::string name,
                 StreamOpener open);

  std::string name_;
  StreamOpener open_;
  int64_t skip_header_lines_;
  int64_t max_line_bytes_;
  std::unique_ptr<ByteReader> reader_;
  SourcePosition position_;
  bool done_ = false;
  absl::Status error_;
  std::string line_;
  std::string key_;
};

}  // namespace troupe
