#include "state/checkpoint_store.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "nlohmann/json.hpp"

#include "actors/resource_names.h"
#include "base/atomic_file.h"
#include "base/status_macros.h"
#include "serialization/status_error.h"
#include "state/snapshot_file.h"

namespace troupe {
namespace {

using Json = nlohmann::json;

struct StoreState {
  DataDir data_dir = *DataDir::Open(".");
  std::string device;
  uint64_t max_bytes = 0;
  static inline const char* name = "troupe.checkpoint_store";
};

using StorePointer = CheckpointStoreActor::stateful_pointer<StoreState>;

std::string ShardName(const StoreState& state, const std::string& prefix) {
  return absl::StrCat(prefix, ".data-", DeviceSuffix(state.device));
}

std::string IndexName(const std::string& prefix) {
  return absl::StrCat(prefix, ".index");
}

// The "checkpoint" file beside `prefix` (in its directory).
std::string StateFileName(const std::string& prefix) {
  const size_t slash = prefix.find_last_of('/');
  return slash == std::string::npos
             ? std::string("checkpoint")
             : absl::StrCat(prefix.substr(0, slash + 1), "checkpoint");
}

absl::StatusOr<std::string> ReadText(const std::string& path,
                                     const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(name, "; No such file or directory"));
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  return WriteFileAtomically(path, {text}).status();
}

// The prefixes a "checkpoint" file lists, oldest first, the latest last.
// Missing file: none.
absl::StatusOr<std::vector<std::string>> ReadKept(const DataDir& dir,
                                                  const std::string& name) {
  absl::StatusOr<std::string> path = dir.ForReading(name);
  if (absl::IsNotFound(path.status())) return std::vector<std::string>{};
  TROUPE_RETURN_IF_ERROR(path.status());
  TROUPE_ASSIGN_OR_RETURN(std::string text, ReadText(*path, name));
  std::vector<std::string> kept;
  std::string latest;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view value = line;
    bool is_latest = absl::ConsumePrefix(&value, "model_checkpoint_path: ");
    if (!is_latest &&
        !absl::ConsumePrefix(&value, "all_model_checkpoint_paths: "))
      continue;
    if (!absl::ConsumePrefix(&value, "\"") ||
        !absl::ConsumeSuffix(&value, "\""))
      continue;
    if (is_latest) {
      latest = std::string(value);
    } else {
      kept.emplace_back(value);
    }
  }
  if (!latest.empty() && (kept.empty() || kept.back() != latest)) {
    kept.push_back(latest);
  }
  return kept;
}

std::string KeptText(const std::vector<std::string>& kept) {
  std::string text;
  if (!kept.empty())
    absl::StrAppend(&text, "model_checkpoint_path: \"", kept.back(), "\"\n");
  for (const std::string& prefix : kept)
    absl::StrAppend(&text, "all_model_checkpoint_paths: \"", prefix, "\"\n");
  return text;
}

Json IndexJson(const CheckpointInfo& info) {
  return Json{{"prefix", info.prefix},
              {"time_unix_ms", info.time_unix_ms},
              {"tensors", info.tensors},
              {"bytes", info.bytes},
              {"devices", info.devices}};
}

absl::StatusOr<CheckpointInfo> ReadIndex(const DataDir& dir,
                                         const std::string& prefix) {
  const std::string name = IndexName(prefix);
  TROUPE_ASSIGN_OR_RETURN(std::string path, dir.ForReading(name));
  TROUPE_ASSIGN_OR_RETURN(std::string text, ReadText(path, name));
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  CheckpointInfo info;
  try {
    info.prefix = json.at("prefix").get<std::string>();
    info.time_unix_ms = json.at("time_unix_ms").get<int64_t>();
    info.tensors = json.at("tensors").get<int64_t>();
    info.bytes = json.at("bytes").get<int64_t>();
    info.devices = json.at("devices").get<std::vector<std::string>>();
  } catch (const Json::exception&) {
    return absl::DataLossError(absl::StrCat("corrupted index at 0 in ", name));
  }
  return info;
}

// Removes this task's files of checkpoint `prefix`: its shard and, if it
// has one here, the index.
absl::Status RemoveCheckpointFiles(const StoreState& state,
                                   const std::string& prefix) {
  for (const std::string& name :
       {ShardName(state, prefix), IndexName(prefix)}) {
    absl::StatusOr<std::string> path = state.data_dir.ForWriting(name);
    if (absl::IsNotFound(path.status())) continue;
    TROUPE_RETURN_IF_ERROR(path.status());
    TROUPE_RETURN_IF_ERROR(RemoveFile(*path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Commit(StoreState& state,
                                   const CheckpointInfo& info,
                                   int32_t max_to_keep, bool write_index) {
  TROUPE_RETURN_IF_ERROR(state.data_dir.MakeParents(info.prefix));
  if (write_index) {
    TROUPE_ASSIGN_OR_RETURN(std::string index,
                            state.data_dir.ForWriting(IndexName(info.prefix)));
    TROUPE_RETURN_IF_ERROR(WriteText(index, IndexJson(info).dump() + "\n"));
  }
  const std::string name = StateFileName(info.prefix);
  TROUPE_ASSIGN_OR_RETURN(std::vector<std::string> kept,
                          ReadKept(state.data_dir, name));
  kept.erase(std::remove(kept.begin(), kept.end(), info.prefix), kept.end());
  kept.push_back(info.prefix);
  std::vector<std::string> dropped;
  while (max_to_keep > 0 && kept.size() > static_cast<size_t>(max_to_keep)) {
    dropped.push_back(kept.front());
    kept.erase(kept.begin());
  }
  TROUPE_ASSIGN_OR_RETURN(std::string path, state.data_dir.ForWriting(name));
  TROUPE_RETURN_IF_ERROR(WriteText(path, KeptText(kept)));
  for (const std::string& prefix : dropped)
    TROUPE_RETURN_IF_ERROR(RemoveCheckpointFiles(state, prefix));
  return info.prefix;
}

absl::StatusOr<std::vector<CheckpointInfo>> List(const StoreState& state,
                                                 const std::string& dir) {
  std::string name = "checkpoint";
  if (!dir.empty() && dir != ".") {
    name = absl::StrCat(dir, absl::EndsWith(dir, "/") ? "" : "/", "checkpoint");
  }
  TROUPE_ASSIGN_OR_RETURN(std::vector<std::string> kept,
                          ReadKept(state.data_dir, name));
  std::vector<CheckpointInfo> infos;
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    absl::StatusOr<CheckpointInfo> info = ReadIndex(state.data_dir, *it);
    // A checkpoint whose index is on another task is listed without figures.
    CheckpointInfo listed = info.ok() ? *std::move(info) : CheckpointInfo{};
    listed.prefix = *it;
    listed.latest = it == kept.rbegin();
    infos.push_back(std::move(listed));
  }
  return infos;
}

template <class T>
caf::result<T> Answer(absl::StatusOr<T> value) {
  if (!value.ok()) return ToError(value.status());
  return *std::move(value);
}

CheckpointStoreActor::behavior_type StoreBehavior(StorePointer self,
                                                  DataDir data_dir,
                                                  std::string device,
                                                  uint64_t max_bytes) {
  self->state.data_dir = std::move(data_dir);
  self->state.device = std::move(device);
  self->state.max_bytes = max_bytes;
  return {
      [self](save_atom, const std::string& prefix, const TaskSnapshot& snapshot)
          -> caf::result<std::string, int64_t> {
        const std::string name = ShardName(self->state, prefix);
        if (absl::Status made = self->state.data_dir.MakeParents(name);
            !made.ok()) {
          return ToError(made);
        }
        absl::StatusOr<std::string> path =
            self->state.data_dir.ForWriting(name);
        if (!path.ok()) return ToError(path.status());
        absl::StatusOr<uint64_t> bytes = WriteSnapshotFile(*path, snapshot);
        if (!bytes.ok()) return ToError(bytes.status());
        return {name, static_cast<int64_t>(*bytes)};
      },
      [self](restore_atom,
             const std::string& prefix) -> caf::result<TaskSnapshot> {
        const std::string name = ShardName(self->state, prefix);
        absl::StatusOr<std::string> path =
            self->state.data_dir.ForReading(name);
        if (!path.ok()) return ToError(path.status());
        return Answer(ReadSnapshotFile(*path, name, self->state.max_bytes));
      },
      [self](commit_atom, const CheckpointInfo& info, int32_t max_to_keep,
             bool write_index) -> caf::result<std::string> {
        return Answer(Commit(self->state, info, max_to_keep, write_index));
      },
      [self](index_atom,
             const std::string& prefix) -> caf::result<CheckpointInfo> {
        return Answer(ReadIndex(self->state.data_dir, prefix));
      },
      [self](checkpoints_atom, const std::string& dir)
          -> caf::result<std::vector<CheckpointInfo>> {
        return Answer(List(self->state, dir));
      },
  };
}

}  // namespace

CheckpointStoreActor SpawnCheckpointStore(caf::actor_system& system,
                                          DataDir data_dir, std::string device,
                                          uint64_t max_bytes) {
  return system.spawn<caf::detached>(StoreBehavior, std::move(data_dir),
                                     std::move(device), max_bytes);
}

}  // namespace troupe
