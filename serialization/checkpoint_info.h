// CheckpointInfo: what a checkpoint's index says about it, as `checkpoints`
// and `restore` read it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

struct CheckpointInfo {
  // As given to save, relative to the data directory: what restore takes.
  std::string prefix;
  int64_t time_unix_ms = 0;
  int64_t tensors = 0;
  int64_t bytes = 0;  // Of every shard together.
  // The tasks that wrote a shard, "/job:J/task:T" each.
  std::vector<std::string> devices;
  // The newest of its directory's checkpoints.
  bool latest = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CheckpointInfo& x) {
  return f(x.prefix, x.time_unix_ms, x.tensors, x.bytes, x.devices, x.latest);
}

}  // namespace troupe
