// Scenario 7's peer: pandas `read_csv` of the CSV (python3-pandas from
// Debian) in a `/usr/bin/python3 -c` subprocess, the read_csv call timed on
// its own and the whole process too.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace troupe::bench {

struct PandasRead {
  int64_t records = 0;
  double sum = 0;
  // The read_csv call alone (pandas' own clock).
  double seconds = 0;
  // Spawn to exit: interpreter start and `import pandas` included.
  double process_seconds = 0;
  // The process's resident peak (ru_maxrss).
  int64_t peak_rss_bytes = 0;
};

// Reads `csv_path` (no header, 3 float32 columns). FAILED_PRECONDITION
// "pandas is not installed …" when python3 cannot import it.
absl::StatusOr<PandasRead> PandasReadCsv(const std::string& csv_path);

}  // namespace troupe::bench
