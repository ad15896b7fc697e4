// ReaderState: a reader's counters, current work unit and position in it, as
// bytes that restore it (every reader kind: TensorFlow serializes only
// IdentityReader and WholeFileReader).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "formats/reader_options.h"
#include "formats/record_source.h"

namespace troupe {

// TensorFlow's ReaderBaseState plus Troupe's position and skip count. Work is
// in progress when work_finished < work_started (then `position` is within
// `current_work`).
struct ReaderState {
  int64_t work_started = 0;
  int64_t work_finished = 0;
  int64_t num_records_produced = 0;
  int64_t records_skipped = 0;
  std::string current_work;
  SourcePosition position;

  friend bool operator==(const ReaderState& a, const ReaderState& b) {
    return a.work_started == b.work_started &&
           a.work_finished == b.work_finished &&
           a.num_records_produced == b.num_records_produced &&
           a.records_skipped == b.records_skipped &&
           a.current_work == b.current_work && a.position == b.position;
  }
};

// Bytes for `state` of a reader of `kind`: a tag, the kind, the fields, and a
// CRC-32C of it all, so that any cut, junk or flipped byte is noticed.
std::string SerializeReaderState(ReaderKind kind, const ReaderState& state);

// Parses what SerializeReaderState(kind, …) gave. `reader` names the reader
// in errors, all INVALID_ARGUMENT, in TensorFlow's words:
//   "Could not parse state for <Kind> '<reader>': <C-escaped bytes>" (bytes
//     that are not such a state, or another kind's; at most 256 shown),
//   "Unexpected negative value when restoring in <Kind> '<reader>': …",
//   "Inconsistent work started vs. finished when restoring in <Kind>
//    '<reader>': …" (finished > started, or more than one unit in progress,
//    or a position without work in progress).
absl::StatusOr<ReaderState> ParseReaderState(absl::string_view bytes,
                                             ReaderKind kind,
                                             absl::string_view reader);

}  // namespace troupe
