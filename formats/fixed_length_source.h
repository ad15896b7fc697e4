// FixedLengthSource: FixedLengthRecordReader's records: key "<name>:<0-based
// index>", value record_bytes bytes; record i starts at header + i * hop.
#pragma once

#include <memory>
#include <string>

#include "formats/byte_reader.h"
#include "formats/input_stream.h"
#include "formats/reader_options.h"
#include "formats/record_source.h"

namespace troupe {

// Record i is produced iff header + i * hop + record + footer <= the
// uncompressed size (TensorFlow >= 1.2). Never a short record: bytes left
// over end the unit quietly, and the footer is not checked. Holds at most
// record_bytes + footer_bytes.
class FixedLengthSource : public RecordSource {
 public:
  // Opens the unit and skips its header. REQUIRES:
  // ValidateReaderOptions(options).ok(); `open` gives the uncompressed bytes.
  static absl::StatusOr<std::unique_ptr<FixedLengthSource>> Open(
      const ReaderOptions& options, std::string name, StreamOpener open);

  absl::StatusOr<std::optional<absl::string_view>> Next() override;
  absl::string_view key() override;
  SourcePosition position() const override { return position_; }
  absl::Status Restore(const SourcePosition& position) override;

 private:
  FixedLengthSource(const ReaderOptions& options, std::string name,
                    StreamOpener open);

  std::string name_;
  StreamOpener open_;
  int64_t header_bytes_;
  int64_t record_bytes_;
  int64_t footer_bytes_;
  int64_t hop_bytes_;
  std::unique_ptr<ByteReader> reader_;
  SourcePosition position_;
  // Bytes from the start of the next record on.
  std::string window_;
  // Bytes to skip before the next record (a hop longer than the window).
  uint64_t pending_skip_ = 0;
  bool done_ = false;
  absl::Status error_;
  // The record the last Next() gave, and its key once asked.
  std::string record_;
  std::string key_;
};

}  // namespace troupe
