// troupe::Saver: checkpoints of variables (and, if asked, queues) in
// TensorFlow's terms: save(prefix), restore(prefix), latest_checkpoint(dir),
// max_to_keep. Each task writes its own shard under its --data-dir.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cluster/session.h"
#include "serialization/checkpoint_info.h"

namespace troupe {

struct SaverOptions {
  // The containers to save; none: every container.
  std::vector<std::string> containers;
  // Queues too (their elements in order and whether closed).
  bool include_queues = false;
  // The newest checkpoints kept in a directory; older ones are removed. 0
  // keeps all. TensorFlow's default.
  int32_t max_to_keep = 5;
  // The tasks that save a shard ("/job:J/task:T"); none: the session's
  // target alone. The index goes to the target.
  std::vector<std::string> devices;
};

class Saver {
 public:
  explicit Saver(Session& session, SaverOptions options = {});

  // Writes checkpoint `prefix` (relative to each task's data directory, e.g.
  // "ckpt/model-100"): a shard on every task, then the index and the
  // directory's "checkpoint" file on the target. A shard that fails leaves
  // the previous checkpoint the latest.
  absl::StatusOr<CheckpointInfo> save(
      const std::string& prefix,
      absl::Duration timeout = absl::InfiniteDuration());

  // Restores every shard the index of `prefix` names, each on its task,
  // all or nothing per task. Returns the tensors restored.
  absl::StatusOr<int64_t> restore(
      const std::string& prefix,
      absl::Duration timeout = absl::InfiniteDuration());

  // The checkpoints of directory `dir` on the target, newest first.
  absl::StatusOr<std::vector<CheckpointInfo>> checkpoints(
      const std::string& dir,
      absl::Duration timeout = absl::InfiniteDuration());

  // The newest checkpoint of `dir`; NOT_FOUND when it has none.
  absl::StatusOr<std::string> latest_checkpoint(
      const std::string& dir,
      absl::Duration timeout = absl::InfiniteDuration());

 private:
  Session& session_;
  SaverOptions options_;
};

}  // namespace troupe
