#include "bench/pandas_peer.h"

#include <unistd.h>

#include <chrono>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "bench/bench_util.h"

namespace troupe::bench {

namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr std::chrono::milliseconds kReadTimeout{600000};

// Prints "missing REASON" or "read RECORDS SUM SECONDS PEAK_BYTES".
constexpr char kScript[] = R"(import sys, time, resource
try:
    import pandas
except Exception as error:
    print("missing", repr(error), flush=True)
    sys.exit(0)
start = time.perf_counter()
frame = pandas.read_csv(sys.argv[1], header=None, dtype="float32")
seconds = time.perf_counter() - start
total = float(frame.to_numpy().sum(dtype="float64"))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print("read", len(frame), repr(total), seconds, peak, flush=True)
)";

}  // namespace

absl::StatusOr<PandasRead> PandasReadCsv(const std::string& csv_path) {
  if (access(kPython, X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("pandas is not installed (no ", kPython, ")"));
  }
  const int64_t start = NowNs();
  auto child = Child::Spawn({kPython, "-c", kScript, csv_path});
  if (!child.ok()) return child.status();
  auto line = (*child)->ReadLine(kReadTimeout);
  if (!line.ok()) return line.status();
  const int exit_status = (*child)->Wait(kReadTimeout);
  const double process_seconds = Seconds(start, NowNs());
  if (absl::StartsWith(*line, "missing")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "pandas is not installed (python3 said ", line->substr(8), ")"));
  }
  PandasRead result;
  std::istringstream fields(*line);
  std::string word;
  fields >> word >> result.records >> result.sum >> result.seconds >>
      result.peak_rss_bytes;
  if (word != "read" || !fields || exit_status != 0) {
    return absl::InternalError(absl::StrCat("pandas said '", *line, "'"));
  }
  result.process_seconds = process_seconds;
  return result;
}

}  // namespace troupe::bench
