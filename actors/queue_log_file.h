// A durable queue's log file as its actor appends to it: records written
// after the last whole one, into space allocated ahead. The writes go to the
// page cache; syncing them is the log writer's (queue_log_writer.h).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace troupe {

class QueueLogFile {
 public:
  // With `write_zeros` the space ahead is allocated by writing zeros rather
  // than by posix_fallocate, so that a sync after a write into it writes
  // the data alone (queue_log_file.cc).
  explicit QueueLogFile(bool write_zeros = false) : write_zeros_(write_zeros) {}
  ~QueueLogFile();
  QueueLogFile(const QueueLogFile&) = delete;
  QueueLogFile& operator=(const QueueLogFile&) = delete;

  // Appends from now on to the log at `path` (absolute), whose records take
  // its first `bytes` bytes, in place of the file appended to before.
  absl::Status Open(const std::string& path, uint64_t bytes);

  // Writes `records` (encoded, formats/queue_log.h) after the last record.
  // On failure the file is cut back to its last whole record; should that
  // fail too, the file is closed and every later append fails.
  absl::Status Append(absl::string_view records);

  // The records' bytes.
  uint64_t bytes() const { return bytes_; }

 private:
  void Close();
  // Makes room for `size` more bytes of records, allocating ahead.
  void Allocate(uint64_t size);

  bool write_zeros_ = false;
  int fd_ = -1;
  std::string path_;
  // The records' bytes, and the file's (records, then allocated zeros).
  uint64_t bytes_ = 0;
  uint64_t allocated_ = 0;
};

}  // namespace troupe
