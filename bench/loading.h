// Scenario 7 (issue 13), loading training data: a three-column numeric CSV
// and the same rows as TFRecords through a reader, decode_csv and a queue
// runner on a task into a bounded FIFOQueue drained by a trainer, against a
// bare C++ loop over the same bytes and pandas read_csv.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "bench/load_files.h"

namespace troupe::bench {

struct LoadingConfig {
  std::string troupe;
  // The CSV's size; the TFRecord file is about 1.5 times as large.
  int64_t csv_bytes = int64_t{1} << 30;
  int rounds = 1;
  // The runner: threads (each keeps one read_up_to of `up_to` records in
  // flight on one shared reader), the target queue's capacity in
  // instances, and the trainer's dequeue_many. A thread's step reads,
  // decodes and enqueues one batch after the other, so the stages overlap
  // only across threads; with 2, the cores often wait on a hand-off between
  // stages (BENCHMARKS.md compares 2 and 4 threads).
  int32_t threads = 4;
  int64_t up_to = 1000;
  int32_t capacity = 10000;
  int32_t train_batch = 1000;
};

// One pass of the whole file through the pipeline.
struct TroupeLoad {
  double seconds = 0;
  // The task's VmRSS once the queues and the reader exist, before the
  // runner starts, and its VmHWM once the trainer got the last record.
  int64_t idle_rss_bytes = 0;
  int64_t peak_rss_bytes = 0;
};

// Seconds per round; empty where a side did not run.
struct LoadingResults {
  LoadFiles files;
  std::vector<TroupeLoad> troupe_csv;
  std::vector<TroupeLoad> troupe_tfrecord;
  std::vector<double> bare_csv;
  std::vector<double> bare_tfrecord;
  std::vector<double> pandas;
  std::vector<double> pandas_process;
  std::vector<int64_t> pandas_peak_rss_bytes;
  // Why there are no pandas figures, if there are none.
  std::string pandas_missing;
};

absl::StatusOr<LoadingResults> MeasureLoading(const LoadingConfig& config);

}  // namespace troupe::bench
