// Scenario 9 (issue 14), durable queue: enqueues/s into a durable FIFOQueue
// with appendfsync always and everysec (and into one that is not durable),
// against RPUSH into Redis with its AOF at the same policy (and without one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe::bench {

struct DurableQueueConfig {
  std::string troupe;
  // Empty: no Redis figures.
  std::string redis_server;
  int rounds = 3;
  // How long each side enqueues in each measurement.
  double seconds = 0.5;
  // Requests in flight in the windowed shape.
  int32_t window = 16;
};

// One configuration, measured once per round on each side.
struct DurableCase {
  // "always", "everysec", or "none": a queue that is not durable against
  // Redis without an AOF.
  std::string policy;
  // One element's bytes: 8 (an int64 scalar) or 4096 (uint8 [4096]).
  size_t element_bytes = 8;
  // Requests in flight: 1 (one call at a time) or the config's window.
  int32_t window = 1;
  // Enqueues/s per round.
  std::vector<double> troupe;
  std::vector<double> redis;
  // A durable queue's log after each round's Troupe run: the file's bytes
  // and the elements a replay of it found, which were the enqueues answered
  // (the run fails otherwise).
  std::vector<int64_t> log_bytes;
  std::vector<int64_t> replayed;
};

struct DurableQueueResults {
  std::vector<DurableCase> cases;
};

absl::StatusOr<DurableQueueResults> MeasureDurableQueue(
    const DurableQueueConfig& config);

}  // namespace troupe::bench
