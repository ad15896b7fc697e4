// Scenario 8 (issue 14), save and restore: Saver::save and Saver::restore of
// variables on one task, against a bare write+fsync and read of the same
// bytes (the limit) and Redis's BGSAVE and restart-load of them (the peer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe::bench {

struct CheckpointingConfig {
  std::string troupe;
  // Empty: no Redis figures.
  std::string redis_server;
  // The variables' bytes in all, in float32 variables of 16 MiB (one smaller
  // variable below 16 MiB).
  int64_t save_bytes = int64_t{1} << 30;
  int rounds = 3;
};

// Seconds per round. Each round writes (Troupe's save, the bare write,
// BGSAVE), then reads (Troupe's restore, the bare read, Redis's
// restart-load), each in turn, starting with another side in each round.
struct CheckpointingResults {
  int variables = 0;
  size_t variable_bytes = 0;
  // variables × variable_bytes: the bytes every rate is of.
  int64_t bytes = 0;
  // The files' sizes: Troupe's shard and Redis's RDB (the bare file holds
  // `bytes`).
  int64_t shard_bytes = 0;
  int64_t rdb_bytes = 0;
  std::vector<double> save;
  std::vector<double> bare_write;
  std::vector<double> bgsave;
  std::vector<double> restore;
  std::vector<double> bare_read;
  std::vector<double> redis_load;
  // Every file is dropped from the page cache before it is read back: the
  // largest fraction of one still cached after the drop, over every read.
  double cached_after_drop = 0;
};

absl::StatusOr<CheckpointingResults> MeasureCheckpointing(
    const CheckpointingConfig& config);

}  // namespace troupe::bench
