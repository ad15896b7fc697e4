#include "cluster/saver.h"

#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "base/status_macros.h"
#include "cluster/rpc.h"

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
  std::vector<TaskActor> tasks;
  for (const std::string& device : devices) {
    TROUPE_ASSIGN_OR_RETURN(TaskActor task, session_.task(device));
    auto written = internal::Call<std::string, int64_t, int64_t>(
        session_.requester(), task, timeout, save_atom::value,
        internal::kThisTask, prefix, options_.containers,
        options_.include_queues);
    if (!written.ok()) return written.status();
    info.tensors += std::get<1>(*written);
    info.bytes += std::get<2>(*written);
    TROUPE_ASSIGN_OR_RETURN(auto status, session_.status(device));
    info.devices.push_back(status.device);
    tasks.push_back(task);
  }
  // Every shard is written: now the checkpoint exists. The target writes the
  // index; every task names it the latest and drops the oldest past
  // max_to_keep.
  TROUPE_ASSIGN_OR_RETURN(TaskStatus target, session_.status());
  bool indexed = false;
  auto commit = [&](const TaskActor& task, bool write_index) {
    return internal::Call<std::string>(session_.requester(), task, timeout,
                                       commit_atom::value, internal::kThisTask,
                                       info, options_.max_to_keep, write_index)
        .status();
  };
  for (size_t i = 0; i < tasks.size(); ++i) {
    const bool write_index = info.devices[i] == target.device;
    TROUPE_RETURN_IF_ERROR(commit(tasks[i], write_index));
    indexed = indexed || write_index;
  }
  if (!indexed) {
    TROUPE_ASSIGN_OR_RETURN(TaskActor task, session_.task());
    TROUPE_RETURN_IF_ERROR(commit(task, /*write_index=*/true));
  }
  info.latest = true;
  return info;
}

absl::StatusOr<int64_t> Saver::restore(const std::string& prefix,
                                       absl::Duration timeout) {
  TROUPE_ASSIGN_OR_RETURN(TaskActor target, session_.task());
  TROUPE_ASSIGN_OR_RETURN(
      auto index, internal::Call<CheckpointInfo>(session_.requester(), target,
                                                 timeout, index_atom::value,
                                                 internal::kThisTask, prefix));
  int64_t tensors = 0;
  for (const std::string& device : std::get<0>(index).devices) {
    TROUPE_ASSIGN_OR_RETURN(TaskActor task, session_.task(device));
    TROUPE_ASSIGN_OR_RETURN(
        auto restored, internal::Call<int64_t>(session_.requester(), task,
                                               timeout, restore_atom::value,
                                               internal::kThisTask, prefix));
    tensors += std::get<0>(restored);
  }
  return tensors;
}

absl::StatusOr<std::vector<CheckpointInfo>> Saver::checkpoints(
    const std::string& dir, absl::Duration timeout) {
  TROUPE_ASSIGN_OR_RETURN(TaskActor target, session_.task());
  TROUPE_ASSIGN_OR_RETURN(
      auto listed, internal::Call<std::vector<CheckpointInfo>>(
                       session_.requester(), target, timeout,
                       checkpoints_atom::value, internal::kThisTask, dir));
  return std::get<0>(std::move(listed));
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
