#include "cluster/saver.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "base/status_macros.h"
#include "cluster/wire_call.h"
#include "net/wire_client.h"

namespace troupe {

Saver::Saver(Session& session, SaverOptions options)
    : session_(session), options_(std::move(options)) {}

absl::StatusOr<CheckpointInfo> Saver::save(const std::string& prefix,
                                           absl::Duration timeout) {
  std::vector<std::string> devices = options_.devices;
  if (devices.empty()) devices.emplace_back();
  CheckpointInfo info;
  info.prefix = prefix;
  info.time_unix_ms = absl::ToUnixMillis(absl::Now());
  std::vector<WireTask> tasks;
  for (const std::string& device : devices) {
    TROUPE_ASSIGN_OR_RETURN(WireTask task, session_.wire(device));
    TROUPE_ASSIGN_OR_RETURN(
        SaveReply written,
        internal::CallWire<SaveReply>(
            *task.client,
            SaveRequest{internal::kThisTask, prefix, options_.containers,
                        options_.include_queues},
            timeout));
    info.tensors += written.tensors;
    info.bytes += written.bytes;
    info.devices.push_back(task.device);
    tasks.push_back(std::move(task));
  }
  // Every shard is written: now the checkpoint exists. The target writes the
  // index; every task names it the latest and drops the oldest past
  // max_to_keep.
  TROUPE_ASSIGN_OR_RETURN(WireTask target, session_.wire());
  bool indexed = false;
  auto commit = [&](const WireTask& task, bool write_index) {
    return internal::CallWire<CommitReply>(
               *task.client,
               CommitRequest{internal::kThisTask, info, options_.max_to_keep,
                             write_index},
               timeout)
        .status();
  };
  for (const WireTask& task : tasks) {
    const bool write_index = task.device == target.device;
    TROUPE_RETURN_IF_ERROR(commit(task, write_index));
    indexed = indexed || write_index;
  }
  if (!indexed) TROUPE_RETURN_IF_ERROR(commit(target, /*write_index=*/true));
  info.latest = true;
  return info;
}

absl::StatusOr<int64_t> Saver::restore(const std::string& prefix,
                                       absl::Duration timeout) {
  TROUPE_ASSIGN_OR_RETURN(WireTask target, session_.wire());
  TROUPE_ASSIGN_OR_RETURN(
      CheckpointReply index,
      internal::CallWire<CheckpointReply>(
          *target.client, IndexRequest{internal::kThisTask, prefix}, timeout));
  int64_t tensors = 0;
  for (const std::string& device : index.info.devices) {
    TROUPE_ASSIGN_OR_RETURN(WireTask task, session_.wire(device));
    TROUPE_ASSIGN_OR_RETURN(
        RestoreCheckpointReply restored,
        internal::CallWire<RestoreCheckpointReply>(
            *task.client, RestoreCheckpointRequest{internal::kThisTask, prefix},
            timeout));
    tensors += restored.tensors;
  }
  return tensors;
}

absl::StatusOr<std::vector<CheckpointInfo>> Saver::checkpoints(
    const std::string& dir, absl::Duration timeout) {
  TROUPE_ASSIGN_OR_RETURN(WireTask target, session_.wire());
  TROUPE_ASSIGN_OR_RETURN(
      CheckpointsReply listed,
      internal::CallWire<CheckpointsReply>(
          *target.client, CheckpointsRequest{internal::kThisTask, dir},
          timeout));
  return std::move(listed.checkpoints);
}

absl::StatusOr<std::string> Saver::latest_checkpoint(const std::string& dir,
                                                     absl::Duration timeout) {
  TROUPE_ASSIGN_OR_RETURN(std::vector<CheckpointInfo> listed,
                          checkpoints(dir, timeout));
  if (listed.empty()) {
    return absl::NotFoundError(
        absl::StrCat("No checkpoint in directory '", dir, "'"));
  }
  return listed.front().prefix;
}

}  // namespace troupe
