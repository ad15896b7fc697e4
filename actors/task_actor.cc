#include "actors/task_actor.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "caf/actor_system.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/incarnation.h"
#include "actors/queue_actor.h"
#include "actors/queue_validation.h"
#include "actors/reader_actor.h"
#include "actors/reader_options_from_spec.h"
#include "actors/resource_names.h"
#include "actors/runner_registry.h"
#include "actors/variable_actor.h"
#include "base/resident_memory.h"
#include "base/status_macros.h"
#include "formats/compression.h"
#include "formats/tfrecord_writer.h"
#include "serialization/status_error.h"

namespace troupe {

namespace {

using ResourceKey = std::pair<std::string, std::string>;  // (container, name)

struct QueueEntry {
  QueueActor actor;
  QueueSpec spec;
};

// --- Variables ---
struct VariableEntry {
  VariableActor actor;
  VariableSpec spec;  // As declared.
};
// --- End of variables ---

struct ReaderEntry {
  ReaderActor actor;
  ReaderSpec spec;
};

struct TaskState {
  TaskActorOptions options;
  uint64_t incarnation = NewIncarnation();
  // The checkpoint restored last, and when it was saved (TaskStatus).
  std::string restored_prefix;
  int64_t restored_time_unix_ms = 0;
  std::chrono::steady_clock::time_point started =
      std::chrono::steady_clock::now();
  std::map<ResourceKey, QueueEntry> queues;
  // Variables are keyed apart from queues: a queue and a variable may share a
  // (container, name), as TensorFlow keys resources by type too.
  std::map<ResourceKey, VariableEntry> variables;
  // Readers too have a namespace of their own.
  std::map<ResourceKey, ReaderEntry> readers;
  // The queue runners and their coordinators (actors/runner_registry.h).
  caf::actor runners;
  static inline const char* name = "troupe.task";
};

using TaskPointer = TaskActor::stateful_pointer<TaskState>;

// OK when `device` names this task ("" does too).
absl::Status CheckDevice(TaskPointer self, const std::string& device) {
  const TaskActorOptions& options = self->state.options;
  if (device.empty() || device == options.device) return absl::OkStatus();
  if (options.cluster_devices.count(device) == 0) {
    return absl::NotFoundError(
        absl::StrCat("Device ", device, " is not a task of the cluster"));
  }
  auto address = options.addresses.find(device);
  return absl::FailedPreconditionError(absl::StrCat(
      "Device ", device, " is served at ",
      address == options.addresses.end() ? "another address" : address->second,
      ", not by ", options.device,
      "; send its requests there (a Session does this itself)"));
}

absl::Status CheckKey(const std::string& container, const std::string& name) {
  TROUPE_RETURN_IF_ERROR(ValidateContainerName(container));
  return ValidateSharedName(name);
}

std::string DescribeKey(TaskPointer self, const ResourceKey& key) {
  return absl::StrCat("'", key.second, "' in container '", key.first, "' on ",
                      self->state.options.device);
}

caf::error StopReason(const std::string& text) {
  return ToError(absl::CancelledError(text));
}

// --- Variables ---

// RESOURCE_EXHAUSTED when the task holds max_resources resources (queues and
// variables together), so that no create may add one.
absl::Status CheckRoom(TaskPointer self) {
  const TaskState& state = self->state;
  if (state.queues.size() + state.variables.size() + state.readers.size() <
      state.options.max_resources) {
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("Task ", state.options.device, " holds ",
                   state.options.max_resources, " resources, its limit"));
}

// Spawns and records variable `key`. REQUIRES: it does not exist yet.
VariableActor AddVariable(TaskPointer self, const ResourceKey& key,
                          const VariableSpec& spec) {
  VariableActor variable = SpawnVariable(self->system(), key.second, spec);
  self->monitor(variable);
  self->state.variables.emplace(key, VariableEntry{variable, spec});
  return variable;
}

// FAILED_PRECONDITION when `spec` is durable and the task keeps no logs.
absl::Status CheckCanKeep(TaskPointer self, const QueueSpec& spec) {
  if (spec.durability == Durability::kNone || self->state.options.queue_logs)
    return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("Task ", self->state.options.device,
                   " keeps no durable queues (it has no data directory)"));
}

// Spawns and records queue `key`; `restoring` when a restore of its content
// is the next message sent to it. REQUIRES: it does not exist yet, and
// CheckCanKeep(self, spec).ok().
QueueActor AddQueue(TaskPointer self, const ResourceKey& key,
                    const QueueSpec& spec, bool restoring = false) {
  std::optional<QueueLogOptions> log;
  if (spec.durability != Durability::kNone) {
    log = QueueLogOptions{self->state.options.queue_logs, key.first,
                          QueueLogFileName(key.first, key.second)};
    log->content_follows = restoring;
  }
  QueueActor queue =
      SpawnQueue(self->system(), key.second, spec, kDefaultMaxWaiting,
                 self->state.options.memory_limit_bytes, std::move(log));
  self->monitor(queue);
  self->state.queues.emplace(key, QueueEntry{queue, spec});
  return queue;
}

// Lookup-or-create of a variable.
caf::result<VariableActor, VariableSpec, bool> OpenVariable(
    TaskPointer self, const std::string& device, const std::string& container,
    const std::string& name, const VariableSpec& spec) {
  absl::Status valid = CheckDevice(self, device);
  if (valid.ok()) valid = CheckKey(container, name);
  if (!valid.ok()) return ToError(valid);
  ResourceKey key{container, name};
  auto& variables = self->state.variables;
  if (auto found = variables.find(key); found != variables.end()) {
    absl::Status same = CheckSharedVariable(found->second.spec, spec, name);
    if (!same.ok()) return ToError(same);
    return {found->second.actor, found->second.spec, false};
  }
  if (absl::Status spec_ok = ValidateVariableSpec(spec, name); !spec_ok.ok()) {
    return ToError(spec_ok);
  }
  if (absl::Status room = CheckRoom(self); !room.ok()) return ToError(room);
  return {AddVariable(self, key, spec), spec, true};
}

caf::result<VariableActor, VariableSpec> LookupVariable(
    TaskPointer self, const std::string& device, const std::string& container,
    const std::string& name) {
  absl::Status valid = CheckDevice(self, device);
  if (valid.ok()) valid = CheckKey(container, name);
  if (!valid.ok()) return ToError(valid);
  ResourceKey key{container, name};
  auto found = self->state.variables.find(key);
  if (found == self->state.variables.end()) {
    return ToError(absl::NotFoundError(
        absl::StrCat("Variable ", DescribeKey(self, key), " does not exist")));
  }
  return {found->second.actor, found->second.spec};
}

// Stops and forgets the variables of `container`: they must be declared and
// assigned again.
void ResetVariables(TaskPointer self, const std::string& container) {
  auto& variables = self->state.variables;
  auto it = variables.lower_bound(ResourceKey{container, ""});
  while (it != variables.end() && it->first.first == container) {
    self->demonitor(it->second.actor.address());
    self->send_exit(
        it->second.actor,
        StopReason(absl::StrCat("container '", container, "' was reset")));
    it = variables.erase(it);
  }
}

// --- End of variables ---

// --- Readers ---

caf::result<ReaderActor, ReaderSpec, bool> OpenReader(
    TaskPointer self, const std::string& device, const std::string& container,
    const std::string& name, const ReaderSpec& spec) {
  absl::Status valid = CheckDevice(self, device);
  if (valid.ok()) valid = CheckKey(container, name);
  if (!valid.ok()) return ToError(valid);
  ResourceKey key{container, name};
  auto& readers = self->state.readers;
  if (auto found = readers.find(key); found != readers.end()) {
    absl::Status same = CheckSharedReader(found->second.spec, spec, name);
    if (!same.ok()) return ToError(same);
    return {found->second.actor, found->second.spec, false};
  }
  absl::StatusOr<ReaderOptions> options = ReaderOptionsFromSpec(spec);
  if (!options.ok()) return ToError(options.status());
  if (absl::Status room = CheckRoom(self); !room.ok()) return ToError(room);
  ReaderActor reader = SpawnReader(
      self->system(), ReaderActorOptions{name, container, *std::move(options),
                                         self->state.options.data_dir,
                                         caf::actor_cast<TaskActor>(self)});
  self->monitor(reader);
  readers.emplace(key, ReaderEntry{reader, spec});
  return {reader, spec, true};
}

caf::result<ReaderActor, ReaderSpec> LookupReader(TaskPointer self,
                                                  const std::string& device,
                                                  const std::string& container,
                                                  const std::string& name) {
  absl::Status valid = CheckDevice(self, device);
  if (valid.ok()) valid = CheckKey(container, name);
  if (!valid.ok()) return ToError(valid);
  ResourceKey key{container, name};
  auto found = self->state.readers.find(key);
  if (found == self->state.readers.end()) {
    return ToError(absl::NotFoundError(
        absl::StrCat("Reader ", DescribeKey(self, key), " does not exist")));
  }
  return {found->second.actor, found->second.spec};
}

void ResetReaders(TaskPointer self, const std::string& container) {
  auto& readers = self->state.readers;
  auto it = readers.lower_bound(ResourceKey{container, ""});
  while (it != readers.end() && it->first.first == container) {
    self->demonitor(it->second.actor.address());
    self->send_exit(
        it->second.actor,
        StopReason(absl::StrCat("container '", container, "' was reset")));
    it = readers.erase(it);
  }
}

// Writes `records` as a TFRecord file at `path` under the data directory
// (its parent directories are made); the bytes written.
absl::StatusOr<int64_t> WriteTFRecords(TaskPointer self,
                                       const std::string& path,
                                       const std::vector<std::string>& records,
                                       const std::string& compression) {
  const std::optional<DataDir>& data_dir = self->state.options.data_dir;
  if (!data_dir) {
    return absl::FailedPreconditionError(
        absl::StrCat("Task ", self->state.options.device,
                     " has no data directory to write ", path, " in"));
  }
  TROUPE_ASSIGN_OR_RETURN(Compression kind, ParseCompression(compression));
  TROUPE_RETURN_IF_ERROR(data_dir->MakeParents(path));
  TROUPE_ASSIGN_OR_RETURN(std::string file, data_dir->ForWriting(path));
  TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<TFRecordWriter> writer,
                          TFRecordWriter::Create(file, path, kind));
  for (const std::string& record : records) {
    TROUPE_RETURN_IF_ERROR(writer->Write(record));
  }
  TROUPE_RETURN_IF_ERROR(writer->Close());
  TROUPE_ASSIGN_OR_RETURN(std::string written, data_dir->ForReading(path));
  std::error_code error;
  const auto size = std::filesystem::file_size(written, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("Cannot stat ", path, ": ", error.message()));
  }
  return static_cast<int64_t>(size);
}

// --- End of readers ---

// --- Checkpoints ---

// FAILED_PRECONDITION unless the task has a checkpoint store.
absl::Status CheckHasCheckpoints(TaskPointer self) {
  if (self->state.options.checkpoints) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("Task ", self->state.options.device,
                   " keeps no checkpoints (it has no data directory)"));
}

// CheckHasCheckpoints, and INVALID_ARGUMENT unless `prefix` names files.
absl::Status CheckCanCheckpoint(TaskPointer self, const std::string& prefix) {
  TROUPE_RETURN_IF_ERROR(CheckHasCheckpoints(self));
  if (prefix.empty() || prefix.back() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("A checkpoint prefix names files, e.g. ckpt/model; got '",
                     prefix, "'"));
  }
  return absl::OkStatus();
}

// Collects the values of the chosen resources into a snapshot, asking each
// resource actor for its own (consistent per resource), then has the
// checkpoint store write it.
caf::result<std::string, int64_t, int64_t> SaveCheckpoint(
    TaskPointer self, const std::string& prefix,
    const std::vector<std::string>& containers, bool include_queues) {
  if (absl::Status can = CheckCanCheckpoint(self, prefix); !can.ok())
    return ToError(can);
  struct Gathering {
    TaskSnapshot snapshot;
    size_t pending = 0;
    absl::Status error;
  };
  auto gathering = std::make_shared<Gathering>();
  gathering->snapshot.device = self->state.options.device;
  gathering->snapshot.time_unix_ms = absl::ToUnixMillis(absl::Now());
  auto rp = self->make_response_promise<std::string, int64_t, int64_t>();
  auto store = self->state.options.checkpoints;
  auto one_done = [self, gathering, rp, store, prefix]() mutable {
    if (--gathering->pending > 0) return;
    if (!gathering->error.ok()) {
      rp.deliver(ToError(gathering->error));
      return;
    }
    const int64_t tensors = gathering->snapshot.tensors();
    self->request(store, caf::infinite, save_atom::value, prefix,
                  std::move(gathering->snapshot))
        .then(
            [rp, tensors](std::string& file, int64_t bytes) mutable {
              rp.deliver(std::move(file), tensors, bytes);
            },
            [rp](caf::error& error) mutable { rp.deliver(std::move(error)); });
  };
  auto chosen = [&containers](const std::string& container) {
    return containers.empty() || std::find(containers.begin(), containers.end(),
                                           container) != containers.end();
  };
  // One for this function, so that nothing finishes before all are asked.
  gathering->pending = 1;
  for (const auto& [key, entry] : self->state.variables) {
    if (!chosen(key.first)) continue;
    const size_t index = gathering->snapshot.variables.size();
    gathering->snapshot.variables.push_back(
        SavedVariable{key.first, key.second, entry.spec, {}});
    ++gathering->pending;
    self->request(entry.actor, caf::infinite, read_atom::value)
        .then(
            [gathering, index, one_done](Tensor& value) mutable {
              gathering->snapshot.variables[index].value = {std::move(value)};
              one_done();
            },
            [gathering, one_done](caf::error& error) mutable {
              // A variable never assigned is saved without a value.
              absl::Status status = ToStatus(error);
              if (!absl::IsFailedPrecondition(status) &&
                  gathering->error.ok()) {
                gathering->error = status;
              }
              one_done();
            });
  }
  if (include_queues) {
    for (const auto& [key, entry] : self->state.queues) {
      if (!chosen(key.first)) continue;
      const size_t index = gathering->snapshot.queues.size();
      SavedQueue saved;
      saved.container = key.first;
      saved.name = key.second;
      saved.spec = entry.spec;
      gathering->snapshot.queues.push_back(std::move(saved));
      ++gathering->pending;
      self->request(entry.actor, caf::infinite, snapshot_atom::value)
          .then(
              [gathering, index, one_done](
                  bool closed, std::vector<Tuple>& elements) mutable {
                SavedQueue& queue = gathering->snapshot.queues[index];
                queue.closed = closed;
                queue.elements = std::move(elements);
                one_done();
              },
              [gathering, one_done](caf::error& error) mutable {
                if (gathering->error.ok()) gathering->error = ToStatus(error);
                one_done();
              });
    }
  }
  one_done();
  return rp;
}

// OK when every resource of `snapshot` may be restored: valid names and
// specs, the same spec as a resource that exists, values and elements that
// fit them, and room for the new ones. Else INVALID_ARGUMENT (or
// RESOURCE_EXHAUSTED) naming the first that does not.
absl::Status CheckRestorable(TaskPointer self, const TaskSnapshot& snapshot) {
  const TaskState& state = self->state;
  size_t added = 0;
  for (const SavedVariable& saved : snapshot.variables) {
    TROUPE_RETURN_IF_ERROR(CheckKey(saved.container, saved.name));
    TROUPE_RETURN_IF_ERROR(ValidateVariableSpec(saved.spec, saved.name));
    auto found = state.variables.find({saved.container, saved.name});
    if (found == state.variables.end()) {
      ++added;
    } else {
      TROUPE_RETURN_IF_ERROR(
          CheckSharedVariable(found->second.spec, saved.spec, saved.name));
    }
    if (saved.value.size() > 1 ||
        (saved.value.size() == 1 &&
         saved.value[0].dtype() != saved.spec.dtype)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Variable '", saved.name,
                       "' has a saved value that is "
                       "not one tensor of its dtype ",
                       DTypeName(saved.spec.dtype)));
    }
  }
  for (const SavedQueue& saved : snapshot.queues) {
    TROUPE_RETURN_IF_ERROR(CheckKey(saved.container, saved.name));
    TROUPE_RETURN_IF_ERROR(ValidateQueueSpec(saved.spec, saved.name));
    TROUPE_RETURN_IF_ERROR(CheckCanKeep(self, saved.spec));
    auto found = state.queues.find({saved.container, saved.name});
    if (found == state.queues.end()) {
      ++added;
    } else {
      TROUPE_RETURN_IF_ERROR(
          CheckSharedQueue(found->second.spec, saved.spec, saved.name));
    }
    for (const Tuple& element : saved.elements)
      TROUPE_RETURN_IF_ERROR(
          ValidateQueueElement(saved.spec, saved.name, element));
  }
  const size_t held = state.queues.size() + state.variables.size();
  if (held + added > state.options.max_resources) {
    return absl::ResourceExhaustedError(
        absl::StrCat("Restoring would make task ", state.options.device,
                     " hold ", held + added, " resources, past its limit of ",
                     state.options.max_resources));
  }
  return absl::OkStatus();
}

// Creates what `snapshot` holds that is missing and overwrites the rest.
// REQUIRES: CheckRestorable(self, snapshot).ok().
void ApplySnapshot(TaskPointer self, TaskSnapshot snapshot,
                   caf::typed_response_promise<int64_t> rp) {
  struct Applying {
    size_t pending = 1;
    absl::Status error;
  };
  auto applying = std::make_shared<Applying>();
  const int64_t tensors = snapshot.tensors();
  auto one_done = [applying, rp, tensors]() mutable {
    if (--applying->pending > 0) return;
    if (!applying->error.ok()) {
      rp.deliver(ToError(applying->error));
      return;
    }
    rp.deliver(tensors);
  };
  auto failed = [applying, one_done](caf::error& error) mutable {
    if (applying->error.ok()) applying->error = ToStatus(error);
    one_done();
  };
  for (SavedVariable& saved : snapshot.variables) {
    ResourceKey key{saved.container, saved.name};
    auto found = self->state.variables.find(key);
    VariableActor variable = found != self->state.variables.end()
                                 ? found->second.actor
                                 : AddVariable(self, key, saved.spec);
    if (saved.value.empty()) continue;
    ++applying->pending;
    self->request(variable, caf::infinite, assign_atom::value,
                  std::move(saved.value[0]), /*validate_shape=*/false)
        .then([one_done](caf::ok_atom) mutable { one_done(); }, failed);
  }
  for (SavedQueue& saved : snapshot.queues) {
    ResourceKey key{saved.container, saved.name};
    auto found = self->state.queues.find(key);
    QueueActor queue =
        found != self->state.queues.end()
            ? found->second.actor
            : AddQueue(self, key, saved.spec, /*restoring=*/true);
    ++applying->pending;
    self->request(queue, caf::infinite, restore_atom::value, saved.closed,
                  std::move(saved.elements))
        .then([one_done](caf::ok_atom) mutable { one_done(); }, failed);
  }
  one_done();
}

// True when queue `key` exists and is durable.
bool IsDurableQueue(TaskPointer self, const ResourceKey& key) {
  auto found = self->state.queues.find(key);
  return found != self->state.queues.end() &&
         found->second.spec.durability != Durability::kNone;
}

// Reads this task's shard of `prefix` through the checkpoint store, checks
// all of it, then applies it: all or nothing.
caf::result<int64_t> RestoreCheckpoint(TaskPointer self,
                                       const std::string& prefix) {
  if (absl::Status can = CheckCanCheckpoint(self, prefix); !can.ok())
    return ToError(can);
  auto rp = self->make_response_promise<int64_t>();
  self->request(self->state.options.checkpoints, caf::infinite,
                restore_atom::value, prefix)
      .then(
          [self, rp, prefix](TaskSnapshot& snapshot) mutable {
            // A durable queue's log is newer than any checkpoint.
            auto& queues = snapshot.queues;
            queues.erase(std::remove_if(queues.begin(), queues.end(),
                                        [self](const SavedQueue& saved) {
                                          return IsDurableQueue(
                                              self,
                                              {saved.container, saved.name});
                                        }),
                         queues.end());
            absl::Status restorable = CheckRestorable(self, snapshot);
            if (!restorable.ok()) {
              rp.deliver(ToError(absl::Status(
                  restorable.code(),
                  absl::StrCat("Cannot restore checkpoint ", prefix, " on ",
                               self->state.options.device, ": ",
                               restorable.message(), "; nothing changed"))));
              return;
            }
            self->state.restored_prefix = prefix;
            self->state.restored_time_unix_ms = snapshot.time_unix_ms;
            ApplySnapshot(self, std::move(snapshot), rp);
          },
          [rp](caf::error& error) mutable { rp.deliver(std::move(error)); });
  return rp;
}

// --- End of checkpoints ---

TaskActor::behavior_type TaskBehavior(TaskPointer self,
                                      TaskActorOptions options) {
  self->state.options = std::move(options);
  self->state.runners = SpawnRunnerRegistry(
      self->system(), RunnerRegistryOptions{caf::actor_cast<TaskActor>(self),
                                            self->state.options.data_dir});
  self->set_down_handler([self](caf::down_msg& down) {
    auto& queues = self->state.queues;
    for (auto it = queues.begin(); it != queues.end(); ++it) {
      if (it->second.actor.address() == down.source) {
        queues.erase(it);
        return;
      }
    }
    // --- Variables ---
    auto& variables = self->state.variables;
    for (auto it = variables.begin(); it != variables.end(); ++it) {
      if (it->second.actor.address() == down.source) {
        variables.erase(it);
        return;
      }
    }
    // --- End of variables ---
    auto& readers = self->state.readers;
    for (auto it = readers.begin(); it != readers.end(); ++it) {
      if (it->second.actor.address() == down.source) {
        readers.erase(it);
        return;
      }
    }
  });
  self->set_exit_handler([self](caf::exit_msg& exit) {
    for (auto& [key, entry] : self->state.queues) {
      self->send_exit(entry.actor, StopReason(absl::StrCat(
                                       "task ", self->state.options.device,
                                       " is shutting down")));
    }
    self->state.queues.clear();
    // --- Variables ---
    for (auto& [key, entry] : self->state.variables) {
      self->send_exit(entry.actor, StopReason(absl::StrCat(
                                       "task ", self->state.options.device,
                                       " is shutting down")));
    }
    self->state.variables.clear();
    // --- End of variables ---
    for (auto& [key, entry] : self->state.readers) {
      self->send_exit(entry.actor, StopReason(absl::StrCat(
                                       "task ", self->state.options.device,
                                       " is shutting down")));
    }
    self->state.readers.clear();
    self->quit(exit.reason);
  });
  return {
      [self](queue_atom, const std::string& device,
             const std::string& container, const std::string& name,
             QueueSpec& spec) -> caf::result<QueueActor, QueueSpec, bool> {
        absl::Status valid = CheckDevice(self, device);
        if (valid.ok()) valid = CheckKey(container, name);
        if (!valid.ok()) return ToError(valid);
        ResourceKey key{container, name};
        auto& queues = self->state.queues;
        if (auto found = queues.find(key); found != queues.end()) {
          absl::Status same = CheckSharedQueue(found->second.spec, spec, name);
          if (!same.ok()) return ToError(same);
          return {found->second.actor, found->second.spec, false};
        }
        if (absl::Status spec_ok = ValidateQueueSpec(spec, name);
            !spec_ok.ok()) {
          return ToError(spec_ok);
        }
        if (absl::Status keep = CheckCanKeep(self, spec); !keep.ok())
          return ToError(keep);
        // Variables count too.
        if (absl::Status room = CheckRoom(self); !room.ok())
          return ToError(room);
        return {AddQueue(self, key, spec), spec, true};
      },
      [self](lookup_atom, const std::string& device,
             const std::string& container,
             const std::string& name) -> caf::result<QueueActor, QueueSpec> {
        absl::Status valid = CheckDevice(self, device);
        if (valid.ok()) valid = CheckKey(container, name);
        if (!valid.ok()) return ToError(valid);
        ResourceKey key{container, name};
        auto found = self->state.queues.find(key);
        if (found == self->state.queues.end()) {
          return ToError(absl::NotFoundError(absl::StrCat(
              "Queue ", DescribeKey(self, key), " does not exist")));
        }
        return {found->second.actor, found->second.spec};
      },
      [self](
          reset_atom, const std::string& device,
          std::vector<std::string>& containers) -> caf::result<caf::ok_atom> {
        if (absl::Status valid = CheckDevice(self, device); !valid.ok())
          return ToError(valid);
        if (containers.empty()) containers.emplace_back();
        for (const std::string& container : containers) {
          if (absl::Status valid = ValidateContainerName(container);
              !valid.ok()) {
            return ToError(valid);
          }
        }
        // The runners first, so that they stop before their queues go.
        caf::anon_send(self->state.runners, reset_atom::value, containers);
        auto& queues = self->state.queues;
        for (const std::string& container : containers) {
          auto it = queues.lower_bound(ResourceKey{container, ""});
          while (it != queues.end() && it->first.first == container) {
            if (it->second.spec.durability != Durability::kNone) {
              self->send(self->state.options.queue_logs, remove_atom::value,
                         it->second.actor.id());
            }
            self->demonitor(it->second.actor.address());
            self->send_exit(it->second.actor,
                            StopReason(absl::StrCat("container '", container,
                                                    "' was reset")));
            it = queues.erase(it);
          }
          ResetVariables(self, container);  // Variables.
          ResetReaders(self, container);
        }
        return caf::ok_atom::value;
      },
      [self](list_atom, const std::string& device)
          -> caf::result<std::vector<ResourceInfo>> {
        if (absl::Status valid = CheckDevice(self, device); !valid.ok())
          return ToError(valid);
        auto& queues = self->state.queues;
        // Before make_response_promise(), which takes over the request: a
        // value returned after it would reach no one.
        auto& variables = self->state.variables;
        auto& readers = self->state.readers;
        auto promise = self->make_response_promise<std::vector<ResourceInfo>>();
        struct Gather {
          std::vector<ResourceInfo> infos;
          size_t missing;
        };
        // The resources, and the registry with every runner.
        auto gather = std::make_shared<Gather>(
            Gather{{}, queues.size() + variables.size() + readers.size() + 1});
        auto finish_one = [gather, promise]() mutable {
          if (--gather->missing == 0) promise.deliver(std::move(gather->infos));
        };
        // Asks one resource to describe itself, under its container's name.
        auto describe = [self, gather, finish_one](const auto& actor,
                                                   std::string container) {
          self->request(actor, std::chrono::seconds(10), describe_atom::value)
              .then(
                  [gather, finish_one, container](ResourceInfo& info) mutable {
                    info.container = container;
                    gather->infos.push_back(std::move(info));
                    finish_one();
                  },
                  [finish_one](caf::error&) mutable { finish_one(); });
        };
        for (auto& [key, entry] : queues) describe(entry.actor, key.first);
        for (auto& [key, entry] : variables) describe(entry.actor, key.first);
        for (auto& [key, entry] : readers) describe(entry.actor, key.first);
        self->request(self->state.runners, std::chrono::seconds(10),
                      list_atom::value)
            .then(
                [gather,
                 finish_one](std::vector<ResourceInfo>& runners) mutable {
                  for (ResourceInfo& info : runners) {
                    gather->infos.push_back(std::move(info));
                  }
                  finish_one();
                },
                [finish_one](caf::error&) mutable { finish_one(); });
        return promise;
      },
      // --- Variables ---
      [self](variable_atom, const std::string& device,
             const std::string& container, const std::string& name,
             VariableSpec& spec)
          -> caf::result<VariableActor, VariableSpec, bool> {
        return OpenVariable(self, device, container, name, spec);
      },
      [self](
          lookup_variable_atom, const std::string& device,
          const std::string& container,
          const std::string& name) -> caf::result<VariableActor, VariableSpec> {
        return LookupVariable(self, device, container, name);
      },
      // --- End of variables ---
      [self](reader_atom, const std::string& device,
             const std::string& container, const std::string& name,
             ReaderSpec& spec) -> caf::result<ReaderActor, ReaderSpec, bool> {
        return OpenReader(self, device, container, name, spec);
      },
      [self](lookup_reader_atom, const std::string& device,
             const std::string& container,
             const std::string& name) -> caf::result<ReaderActor, ReaderSpec> {
        return LookupReader(self, device, container, name);
      },
      [self](tfrecord_write_atom, const std::string& device,
             const std::string& path, const std::vector<std::string>& records,
             const std::string& compression) -> caf::result<int64_t> {
        absl::StatusOr<int64_t> written =
            CheckDevice(self, device).ok()
                ? WriteTFRecords(self, path, records, compression)
                : absl::StatusOr<int64_t>(CheckDevice(self, device));
        if (!written.ok()) return ToError(written.status());
        return *written;
      },
      [self](resolve_atom, const std::string& device)
          -> caf::result<std::string, std::string> {
        const TaskActorOptions& task = self->state.options;
        const std::string& name = device.empty() ? task.device : device;
        auto address = task.addresses.find(name);
        if (address == task.addresses.end()) {
          return ToError(absl::NotFoundError(
              absl::StrCat("Device ", name, " is not a task of the cluster")));
        }
        return {name, address->second};
      },
      [self](
          save_atom, const std::string& device, const std::string& prefix,
          const std::vector<std::string>& containers,
          bool include_queues) -> caf::result<std::string, int64_t, int64_t> {
        if (absl::Status valid = CheckDevice(self, device); !valid.ok())
          return ToError(valid);
        return SaveCheckpoint(self, prefix, containers, include_queues);
      },
      [self](commit_atom, const std::string& device, CheckpointInfo& info,
             int32_t max_to_keep,
             bool write_index) -> caf::result<std::string> {
        absl::Status valid = CheckDevice(self, device);
        if (valid.ok()) valid = CheckCanCheckpoint(self, info.prefix);
        if (!valid.ok()) return ToError(valid);
        return self->delegate(self->state.options.checkpoints,
                              commit_atom::value, std::move(info), max_to_keep,
                              write_index);
      },
      [self](restore_atom, const std::string& device,
             const std::string& prefix) -> caf::result<int64_t> {
        if (absl::Status valid = CheckDevice(self, device); !valid.ok())
          return ToError(valid);
        return RestoreCheckpoint(self, prefix);
      },
      [self](restore_atom, TaskSnapshot& snapshot) -> caf::result<int64_t> {
        if (absl::Status restorable = CheckRestorable(self, snapshot);
            !restorable.ok()) {
          return ToError(restorable);
        }
        auto rp = self->make_response_promise<int64_t>();
        ApplySnapshot(self, std::move(snapshot), rp);
        return rp;
      },
      [self](index_atom, const std::string& device,
             const std::string& prefix) -> caf::result<CheckpointInfo> {
        absl::Status valid = CheckDevice(self, device);
        if (valid.ok()) valid = CheckCanCheckpoint(self, prefix);
        if (!valid.ok()) return ToError(valid);
        return self->delegate(self->state.options.checkpoints,
                              index_atom::value, prefix);
      },
      [self](
          checkpoints_atom, const std::string& device,
          const std::string& dir) -> caf::result<std::vector<CheckpointInfo>> {
        absl::Status valid = CheckDevice(self, device);
        if (valid.ok()) valid = CheckHasCheckpoints(self);
        if (!valid.ok()) return ToError(valid);
        return self->delegate(self->state.options.checkpoints,
                              checkpoints_atom::value, dir);
      },
      [self](runner_atom, const std::string& device,
             RunnerCall& call) -> caf::result<RunnerStatus> {
        if (absl::Status valid = CheckDevice(self, device); !valid.ok())
          return ToError(valid);
        auto promise = self->make_response_promise<RunnerStatus>();
        self->request(self->state.runners, caf::infinite, runner_atom::value,
                      std::move(call))
            .then(
                [promise](RunnerStatus& status) mutable {
                  promise.deliver(std::move(status));
                },
                [promise](caf::error& error) mutable {
                  promise.deliver(std::move(error));
                });
        return promise;
      },
      [self](status_atom) -> TaskStatus {
        const TaskState& state = self->state;
        TaskStatus status;
        status.device = state.options.device;
        status.incarnation = state.incarnation;
        status.uptime_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - state.started)
                .count();
        status.restarts = state.options.restarts;
        status.restored_prefix = state.restored_prefix;
        status.restored_time_unix_ms = state.restored_time_unix_ms;
        status.resident_bytes = ResidentBytes();
        return status;
      },
  };
}

}  // namespace

TaskActor SpawnTaskActor(caf::actor_system& system, TaskActorOptions options) {
  return system.spawn(TaskBehavior, std::move(options));
}

}  // namespace troupe
