#include "bench/loading.h"

#include <cmath>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "bench/bare_load.h"
#include "bench/bench_util.h"
#include "bench/pandas_peer.h"
#include "bench/troupe_up.h"
#include "cluster/queue.h"
#include "cluster/reader.h"
#include "cluster/runner.h"
#include "cluster/session.h"
#include "support/temp_dir.h"

namespace troupe::bench {

namespace {

// Decisions (issue 13 left them open):
// - One file of each format, so the bare loop (one thread) reads exactly
//   the bytes the pipeline reads. The runner's threads share one named
//   reader (the book's cell 23): a file is one work unit, so readers of
//   their own would leave all but one idle. Each thread keeps one
//   read_up_to in flight; decode_csv, stacking and the enqueue run on the
//   runner's actor while the reader's actor reads the next batch.
// - The TFRecord payloads are the CSV lines, so that decode_csv runs on
//   both formats and the rows are the same.
// - A fresh `troupe up` per pass, so that each pass's VmHWM is its own.
// - Every side reads from the page cache: the files were just written
//   (their size is far below the machine's memory).
// - The trainer (this process, blocking API) sums every value it gets, so
//   that the count and the sum can be checked against the bare loop's.
constexpr std::chrono::milliseconds kServeTimeout{30000};
constexpr int64_t kProgressNs = int64_t{2000000000};

absl::Status SameData(const std::string& what, int64_t records, double sum,
                      const LoadPass& bare) {
  if (records != bare.records ||
      std::fabs(sum - bare.sum) > 1e-6 * std::fabs(bare.sum) + 1e-3) {
    return absl::DataLossError(absl::StrFormat(
        "%s got %d records summing to %.6f; the bare loop %d summing to %.6f",
        what, records, sum, bare.records, bare.sum));
  }
  return absl::OkStatus();
}

// Drains `instances` with dequeue_many (the last, smaller batch with
// dequeue_up_to), counting and summing; a progress line on stderr every
// 2 s.
absl::StatusOr<LoadPass> Train(FIFOQueue& instances, int32_t batch,
                               const std::string& what, int64_t expected) {
  LoadPass pass;
  const int64_t start = NowNs();
  int64_t progress = start + kProgressNs;
  bool last = false;
  for (;;) {
    auto got =
        last ? instances.dequeue_up_to(batch) : instances.dequeue_many(batch);
    if (absl::IsOutOfRange(got.status())) {
      if (last) break;
      last = true;
      continue;
    }
    if (!got.ok()) return got.status();
    for (float value : (*got)[0].flat<float>()) pass.sum += value;
    pass.records += (*got)[0].shape()[0];
    if (const int64_t now = NowNs(); now >= progress) {
      std::cerr << absl::StrFormat("  %s: %.1fM of %.1fM records, %.0f s\n",
                                   what, pass.records / 1e6, expected / 1e6,
                                   Seconds(start, now));
      progress = now + kProgressNs;
    }
  }
  return pass;
}

QueueOptions Fifo(std::string name, int32_t capacity, DType dtype,
                  PartialShape shape) {
  QueueOptions options;
  options.capacity = capacity;
  options.dtypes = {dtype};
  options.shapes = {std::move(shape)};
  options.shared_name = std::move(name);
  return options;
}

absl::StatusOr<TroupeLoad> TroupePass(const LoadingConfig& config,
                                      const std::string& dir, bool tfrecord,
                                      const LoadFiles& files,
                                      const LoadPass& bare) {
  auto up =
      TroupeUp::Start(config.troupe, dir, {"--data-dir", dir}, kServeTimeout);
  if (!up.ok()) return up.status();
  Session session((*up)->target());
  FIFOQueue filenames(session, Fifo("filenames", 1, DT_STRING, {}));
  FIFOQueue instances(session,
                      Fifo("instances", config.capacity, DT_FLOAT, {3}));
  ReaderArgs args;
  args.shared_name = "reader";
  std::unique_ptr<ReaderBase> reader;
  if (tfrecord) {
    reader = std::make_unique<TFRecordReader>(session, args);
  } else {
    reader = std::make_unique<TextLineReader>(session, args);
  }
  if (auto made = reader->num_records_produced(); !made.ok())
    return made.status();
  if (auto made = instances.size(); !made.ok()) return made.status();
  const std::string file = tfrecord ? files.tfrecord : files.csv;
  if (auto status = filenames.enqueue({Tensor::FromStrings({}, {file})});
      !status.ok())
    return status;
  if (auto status = filenames.close(); !status.ok()) return status;

  RunnerSource source;
  source.kind = RunnerSource::kReader;
  source.queue = "filenames";
  source.reader = "reader";
  source.up_to = config.up_to;
  RunnerSpec spec;
  spec.target = "instances";
  spec.threads = config.threads;
  spec.sources = {source};
  spec.csv_columns = {
      {DT_FLOAT, true, ""}, {DT_FLOAT, true, ""}, {DT_FLOAT, true, ""}};
  spec.components = {{0, 1, 2}};
  QueueRunner runner(session, "load", spec);

  const pid_t task = (*up)->task_pid();
  auto idle = ReadProcStatus(task);
  if (!idle.ok()) return idle.status();
  const int64_t start = NowNs();
  if (auto started = runner.start(); !started.ok()) return started.status();
  const std::string what = tfrecord ? "TFRecord" : "CSV";
  auto trained = Train(instances, config.train_batch,
                       absl::StrCat("Troupe ", what), files.records);
  if (!trained.ok()) return trained.status();
  TroupeLoad load;
  load.seconds = Seconds(start, NowNs());
  auto ended = runner.join();
  if (!ended.ok()) return ended.status();
  if (!ended->error().ok()) return ended->error();
  auto peak = ReadProcStatus(task);
  if (!peak.ok()) return peak.status();
  load.idle_rss_bytes = idle->rss_bytes;
  load.peak_rss_bytes = peak->peak_rss_bytes;
  if (auto same = SameData(absl::StrCat("Troupe ", what), trained->records,
                           trained->sum, bare);
      !same.ok())
    return same;
  std::cout << absl::StrFormat(
                   "    Troupe %s: %.2f s, %.2fM records/s, task peak RSS "
                   "%.1f MiB",
                   what, load.seconds, trained->records / load.seconds / 1e6,
                   load.peak_rss_bytes / 1048576.0)
            << std::endl;
  return load;
}

void Say(const std::string& what, const LoadPass& pass) {
  std::cout << absl::StrFormat("    %s: %.2f s, %.2fM records/s", what,
                               pass.seconds, pass.records / pass.seconds / 1e6)
            << std::endl;
}

}  // namespace

absl::StatusOr<LoadingResults> MeasureLoading(const LoadingConfig& config) {
  support::TempDir dir;
  if (dir.path().empty()) return absl::InternalError("no temporary dir");
  LoadingResults results;
  const int64_t start = NowNs();
  auto files = WriteLoadFiles(dir.path(), config.csv_bytes);
  if (!files.ok()) return files.status();
  results.files = *files;
  std::cout << absl::StrFormat(
                   "  wrote %.1fM records: CSV %.0f MB, TFRecord %.0f MB in "
                   "%.1f s",
                   files->records / 1e6, files->csv_bytes / 1e6,
                   files->tfrecord_bytes / 1e6, Seconds(start, NowNs()))
            << std::endl;
  const std::string csv = absl::StrCat(dir.path(), "/", files->csv);
  const std::string tfrecord = absl::StrCat(dir.path(), "/", files->tfrecord);
  for (int round = 0; round < config.rounds; ++round) {
    std::cout << "  round " << round + 1 << std::endl;
    auto bare_csv = BareCsvLoop(csv);
    if (!bare_csv.ok()) return bare_csv.status();
    Say("bare CSV loop", *bare_csv);
    results.bare_csv.push_back(bare_csv->seconds);
    auto troupe_csv = TroupePass(config, dir.path(), false, *files, *bare_csv);
    if (!troupe_csv.ok()) return troupe_csv.status();
    results.troupe_csv.push_back(*troupe_csv);
    if (results.pandas_missing.empty()) {
      auto pandas = PandasReadCsv(csv);
      if (absl::IsFailedPrecondition(pandas.status())) {
        results.pandas_missing = std::string(pandas.status().message());
        std::cout << "    " << results.pandas_missing << std::endl;
      } else if (!pandas.ok()) {
        return pandas.status();
      } else {
        if (auto same =
                SameData("pandas", pandas->records, pandas->sum, *bare_csv);
            !same.ok())
          return same;
        std::cout << absl::StrFormat(
                         "    pandas read_csv: %.2f s (process %.2f s), "
                         "%.2fM records/s, peak RSS %.0f MiB",
                         pandas->seconds, pandas->process_seconds,
                         pandas->records / pandas->seconds / 1e6,
                         pandas->peak_rss_bytes / 1048576.0)
                  << std::endl;
        results.pandas.push_back(pandas->seconds);
        results.pandas_process.push_back(pandas->process_seconds);
        results.pandas_peak_rss_bytes.push_back(pandas->peak_rss_bytes);
      }
    }
    auto bare_tfrecord = BareTFRecordLoop(tfrecord);
    if (!bare_tfrecord.ok()) return bare_tfrecord.status();
    Say("bare TFRecord loop", *bare_tfrecord);
    results.bare_tfrecord.push_back(bare_tfrecord->seconds);
    auto troupe_tfrecord =
        TroupePass(config, dir.path(), true, *files, *bare_tfrecord);
    if (!troupe_tfrecord.ok()) return troupe_tfrecord.status();
    results.troupe_tfrecord.push_back(*troupe_tfrecord);
  }
  return results;
}

}  // namespace troupe::bench
