// Scenario 7's limit: bare C++ loops over the same bytes as the pipeline,
// one thread, read(2) in 1 MiB chunks; the CSV's 3 floats per line with
// std::from_chars, and TFRecord's framing (both CRC-32Cs checked) with the
// 3 floats of each payload.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace troupe::bench {

struct LoadPass {
  int64_t records = 0;
  // The sum of every value read, to compare the paths with each other.
  double sum = 0;
  double seconds = 0;
};

absl::StatusOr<LoadPass> BareCsvLoop(const std::string& path);
absl::StatusOr<LoadPass> BareTFRecordLoop(const std::string& path);

}  // namespace troupe::bench
