// RecordSource: the records of one work unit (a file, or the unit itself for
// IdentityReader), read one at a time into the source's own buffers, with a
// position that can be saved and restored. Reader actors drive these; they
// hold no actor or thread.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe {

// Where a source stands in its unit: `offset` is the next record's byte offset
// in the uncompressed stream, `index` the records (TextLine: lines, header
// included) it has gone past. WholeFile and Identity use index 0 or 1 only.
struct SourcePosition {
  int64_t offset = 0;
  int64_t index = 0;

  friend bool operator==(const SourcePosition& a, const SourcePosition& b) {
    return a.offset == b.offset && a.index == b.index;
  }
};

// Not thread-safe. Memory stays within the reader options' max_record_bytes
// plus fixed buffers, whatever the bytes read.
class RecordSource {
 public:
  virtual ~RecordSource() = default;

  // The next record's value, or nullopt at the end of the unit (and on every
  // call after). The view is of the source's own buffer, valid until the
  // next call of Next() or Restore(): a batch of records costs no allocation
  // per record. An error leaves the position where it was and repeats on
  // every later call: the record cannot be read, and TensorFlow's reader too
  // stays on it. TFRecord with skip_corrupt skips and counts corrupt records
  // instead.
  virtual absl::StatusOr<std::optional<absl::string_view>> Next() = 0;

  // The key of the record the last Next() gave (each kind says its form),
  // made only when asked; valid as long as that record's value.
  // REQUIRES: the last Next() gave a record.
  virtual absl::string_view key() = 0;

  // The position before the record the next call to Next() reads.
  virtual SourcePosition position() const = 0;

  // Moves to `position`, one that position() of a source over the same unit
  // and options gave. A position this unit cannot have is INVALID_ARGUMENT
  // and changes nothing; so does any other failure.
  virtual absl::Status Restore(const SourcePosition& position) = 0;

  // Corrupt records skipped so far (TFRecord with skip_corrupt; else 0).
  virtual int64_t records_skipped() const { return 0; }
};

}  // namespace troupe
