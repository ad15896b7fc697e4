// The blocking C++ readers, in TensorFlow's names: IdentityReader,
// TextLineReader, FixedLengthRecordReader, TFRecordReader, WholeFileReader
// over a Session, with read, read_up_to, the counters, reset and state.
//
// A reader is looked up or created on its task at the first call. Its
// filename queue is named by the call and must be a queue of scalar strings on
// the reader's task and container; a work unit is a path relative to that
// task's --data-dir. A read waiting for a filename holds no thread on the
// task: the reader answers its other calls meanwhile. Reads of one reader are
// served in arrival order; a read's timeout counts from its turn. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "serialization/protocol.h"

namespace troupe {

// TensorFlow's constructor arguments of every reader kind, and where the
// reader lives. Each kind reads only its own options.
struct ReaderArgs {
  std::string shared_name;
  // "/job:J/task:T"; empty: the session's target task.
  std::string device;
  std::string container;
  int64_t skip_header_lines = 0;  // TextLineReader.
  int64_t record_bytes = 0;       // FixedLengthRecordReader.
  int64_t header_bytes = 0;
  int64_t footer_bytes = 0;
  int64_t hop_bytes = 0;
  // "", "GZIP" or "ZLIB" (FixedLengthRecordReader's encoding,
  // TFRecordReader's compression_type).
  std::string compression;
  // TFRecordReader: skip and count corrupt records instead of failing.
  bool skip_corrupt = false;
};

// One record: TensorFlow's (key, value) scalars.
struct KeyValue {
  std::string key;
  std::string value;
};

// A batch of read_up_to: keys[i] names values[i].
struct KeysValues {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

// A reader's counters, read together.
struct ReaderCounters {
  int64_t records_produced = 0;
  int64_t work_units_completed = 0;
  // Corrupt TFRecords skipped (skip_corrupt).
  int64_t records_skipped = 0;
};

class ReaderBase {
 public:
  ReaderBase(const ReaderBase&) = delete;
  ReaderBase& operator=(const ReaderBase&) = delete;
  virtual ~ReaderBase();

  // An existing reader, opened by name; NOT_FOUND if the task has none.
  static absl::StatusOr<std::unique_ptr<ReaderBase>> Open(
      Session& session, std::string shared_name, std::string device = "",
      std::string container = "");
  // Looks up or creates the reader `spec` describes now; `*created` tells
  // which.
  static absl::StatusOr<std::unique_ptr<ReaderBase>> Create(
      Session& session, ReaderSpec spec, std::string shared_name,
      std::string device, std::string container, bool* created);

  // The next record, taking work units from `queue` as needed. OUT_OF_RANGE
  // once the queue is closed and drained; NOT_FOUND or PERMISSION_DENIED for
  // a unit that cannot be opened (which is dropped); DEADLINE_EXCEEDED when
  // no unit came within `timeout`.
  absl::StatusOr<KeyValue> read(
      const QueueBase& queue,
      absl::Duration timeout = absl::InfiniteDuration());
  absl::StatusOr<KeyValue> read(
      const std::string& queue,
      absl::Duration timeout = absl::InfiniteDuration());
  // Between 1 and n records, all of one work unit; n == 0 gives none.
  absl::StatusOr<KeysValues> read_up_to(
      const QueueBase& queue, int64_t n,
      absl::Duration timeout = absl::InfiniteDuration());
  absl::StatusOr<KeysValues> read_up_to(
      const std::string& queue, int64_t n,
      absl::Duration timeout = absl::InfiniteDuration());
  absl::StatusOr<int64_t> num_records_produced();
  absl::StatusOr<int64_t> num_work_units_completed();
  absl::StatusOr<ReaderCounters> counters();
  // Counters to zero; the rest of the current unit is not read.
  absl::Status reset();
  // The reader's counters, unit and position as bytes (every kind).
  absl::StatusOr<std::string> serialize_state();
  // Restores serialize_state()'s bytes; a failure changes nothing.
  absl::Status restore_state(const std::string& state);

  // The reader's actor, for asynchronous requests from users' own actors.
  absl::StatusOr<ReaderActor> handle();
  const std::string& name() const;

 protected:
  ReaderBase(Session& session, ReaderSpec spec, std::string shared_name,
             std::string device, std::string container, bool create_if_missing);
  ReaderBase(Session& session, std::string type, ReaderArgs args);

 private:
  // Sends `request` (its resource_id set here) over the wire and waits for
  // its Reply; `timeout` is the one the request carries.
  template <class Reply, class Request>
  absl::StatusOr<Reply> Call(absl::Duration timeout, Request request);

  std::unique_ptr<internal::WireResourceHandle<ReaderSpec, ReaderActor>> wire_;
};

// key = value = the work unit.
class IdentityReader final : public ReaderBase {
 public:
  IdentityReader(Session& session, ReaderArgs args)
      : ReaderBase(session, "identity", std::move(args)) {}
};

// One record per line; key "<file>:<1-based line>".
class TextLineReader final : public ReaderBase {
 public:
  TextLineReader(Session& session, ReaderArgs args)
      : ReaderBase(session, "text_line", std::move(args)) {}
};

// Records of record_bytes; key "<file>:<0-based index>".
class FixedLengthRecordReader final : public ReaderBase {
 public:
  FixedLengthRecordReader(Session& session, ReaderArgs args)
      : ReaderBase(session, "fixed_length_record", std::move(args)) {}
};

// TFRecord payloads; key "<file>:<byte offset>".
class TFRecordReader final : public ReaderBase {
 public:
  TFRecordReader(Session& session, ReaderArgs args)
      : ReaderBase(session, "tf_record", std::move(args)) {}
};

// One record per file: key the file, value its bytes.
class WholeFileReader final : public ReaderBase {
 public:
  WholeFileReader(Session& session, ReaderArgs args)
      : ReaderBase(session, "whole_file", std::move(args)) {}
};

// Writes `records` as TFRecord file `path` under the data directory of
// `device`'s task (compression "", "GZIP" or "ZLIB"); the bytes written.
absl::StatusOr<int64_t> WriteTFRecordFile(
    Session& session, const std::string& path,
    const std::vector<std::string>& records,
    const std::string& compression = "", const std::string& device = "");

}  // namespace troupe
