// Scenario 6 (issue 18), recovery time: a `kill -9` of the ps task under
// `troupe up` until a client that keeps calling is answered by the new task,
// without a checkpoint and with 1 GiB of variables to restore; Redis alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe::bench {

struct RecoveryConfig {
  std::string troupe;
  // Empty: no Redis figures.
  std::string redis_server;
  int kills = 20;
  int checkpoint_kills = 5;
  int variables = 4;
  size_t variable_bytes = size_t{256} << 20;
};

// Seconds per kill, in the order of the kills.
struct RecoveryResults {
  // Kill → the first Session::status answered by the new incarnation.
  std::vector<double> troupe;
  // up's "restarted" line → that answer: the part after up's back-off.
  std::vector<double> troupe_after_restart;
  // Kill → the first PING answered by the restarted redis-server.
  std::vector<double> redis;
  // Kill → the first read of a restored variable with all its bytes.
  std::vector<double> troupe_checkpoint;
  // up's "restarted" line → the task's "restored checkpoint" line: process
  // start and restore of the whole checkpoint.
  std::vector<double> restore;
  // One plain read(2) loop of every file of the checkpoint into a buffer of
  // the file's size, once after each kill.
  std::vector<double> bare_read;
  // Kill → the first GET of a 256 MiB value after the RDB loaded.
  std::vector<double> redis_rdb;
  int64_t checkpoint_bytes = 0;
  int64_t rdb_bytes = 0;
};

absl::StatusOr<RecoveryResults> MeasureRecovery(const RecoveryConfig& config);

}  // namespace troupe::bench
