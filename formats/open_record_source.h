// OpenRecordSource: the record source for one work unit of a reader with
// given options (TensorFlow's OnWorkStarted: open the file, skip headers).
#pragma once

#include <memory>
#include <string>

#include "formats/input_stream.h"
#include "formats/reader_options.h"
#include "formats/record_source.h"

namespace troupe {

// How a reader drives these (TensorFlow's ReaderBase, §1.2 of
// DATA_LOADING.md): with no unit in progress, take a work unit and
// OpenFileRecordSource; an error fails that read and drops the unit. Then
// Next() until nullopt (the unit is finished; take the next one within the
// same read); an error fails the read and repeats on the next one.
// reader_state.h saves {counters, work, position()}; a restore parses the
// bytes and calls OpenRecordSourceAt, swapping the reader's source only when
// both succeeded.

// The unit `work` (the dequeued string: keys and errors name it) whose bytes
// `open` gives as stored (compressed if options.compression says so).
// Errors: ValidateReaderOptions's; opening the bytes (NOT_FOUND "<work>; No
// such file or directory" from FileOpener); a header that cannot be read.
absl::StatusOr<std::unique_ptr<RecordSource>> OpenRecordSource(
    const ReaderOptions& options, std::string work, StreamOpener open);

// The same over the file at `path`, which the caller has resolved and
// confined. IdentityReader opens nothing.
absl::StatusOr<std::unique_ptr<RecordSource>> OpenFileRecordSource(
    const ReaderOptions& options, std::string work, std::string path);

// The unit `work` positioned at `position` (from a ReaderState): what a
// reader restoring its state opens. INVALID_ARGUMENT when the unit cannot
// have that position (RecordSource::Restore), or OpenRecordSource's errors.
absl::StatusOr<std::unique_ptr<RecordSource>> OpenRecordSourceAt(
    const ReaderOptions& options, std::string work, StreamOpener open,
    const SourcePosition& position);

}  // namespace troupe
