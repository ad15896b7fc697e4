// Scenario 7's training data: a three-column numeric CSV of about a given
// size and the same rows as TFRecords (one CSV line per record payload).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace troupe::bench {

struct LoadFiles {
  // Relative to the directory they were written into (the task's data dir).
  std::string csv = "train.csv";
  std::string tfrecord = "train.tfrecord";
  int64_t records = 0;
  int64_t csv_bytes = 0;
  int64_t tfrecord_bytes = 0;
};

// Writes both files into `dir`: lines "x,y,z\n" of pseudo-random decimals
// with three digits after the point (as "-417.083"), no header, until the
// CSV holds at least `csv_bytes`; the TFRecord file (written with
// TFRecordWriter) holds each line without its '\n' as one record.
absl::StatusOr<LoadFiles> WriteLoadFiles(const std::string& dir,
                                         int64_t csv_bytes);

}  // namespace troupe::bench
