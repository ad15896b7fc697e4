// TFRecordSource: TFRecordReader's records: key "<name>:<offset>" (the
// record's byte offset in the uncompressed stream), value its payload.
#pragma once

#include <memory>
#include <string>

#include "formats/byte_reader.h"
#include "formats/input_stream.h"
#include "formats/reader_options.h"
#include "formats/record_source.h"

namespace troupe {

// Errors name the file (TensorFlow's do not) and keep TensorFlow's offsets:
//   DATA_LOSS "corrupted record at <offset> in <name>": the length's CRC
//     fails (offset of the record), or the data's (offset + 12, its data);
//   DATA_LOSS "truncated record at <offset> in <name>": the unit ends inside
//     a record, also 1 to 11 stray bytes after the last one (TensorFlow ends
//     quietly there);
//   RESOURCE_EXHAUSTED when a length beyond max_record_bytes is claimed,
//     before anything is allocated for it.
// With skip_corrupt, a record whose data CRC fails is skipped and counted; a
// corrupt length, a truncated record or a corrupt compressed stream leaves
// no way to find the next record, so the rest of the unit counts as one
// skipped record.
class TFRecordSource : public RecordSource {
 public:
  // REQUIRES: ValidateReaderOptions(options).ok(); `open` gives the
  // uncompressed bytes.
  static absl::StatusOr<std::unique_ptr<TFRecordSource>> Open(
      const ReaderOptions& options, std::string name, StreamOpener open);

  absl::StatusOr<std::optional<absl::string_view>> Next() override;
  absl::string_view key() override;
  SourcePosition position() const override { return position_; }
  absl::Status Restore(const SourcePosition& position) override;
  int64_t records_skipped() const override { return records_skipped_; }

 private:
  TFRecordSource(const ReaderOptions& options, std::string name,
                 StreamOpener open);

  // Reads the record at reader_->offset() into `value_`: OK, or the record's
  // error; `*framing_intact` tells whether the next record can be found.
  absl::Status ReadRecord(bool* at_end, bool* framing_intact);

  std::string name_;
  StreamOpener open_;
  bool skip_corrupt_;
  int64_t max_record_bytes_;
  std::unique_ptr<ByteReader> reader_;
  SourcePosition position_;
  int64_t records_skipped_ = 0;
  bool done_ = false;
  absl::Status error_;
  // The last record's payload: a view of the reader's buffer, or of
  // `data_` for a record too large for that buffer.
  absl::string_view value_;
  std::string data_;
  std::string footer_;
  // The offset of the record the last Next() gave, and its key once asked.
  int64_t record_offset_ = 0;
  std::string key_;
};

}  // namespace troupe
