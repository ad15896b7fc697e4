#include "actors/task_actor.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "caf/actor_system.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/container_actor.h"
#include "actors/gathering.h"
#include "actors/incarnation.h"
#include "actors/reader_options_from_spec.h"
#include "actors/resource_budget.h"
#include "actors/resource_names.h"
#include "actors/runner_registry.h"
#include "base/resident_memory.h"
#include "base/status_macros.h"
#include "formats/compression.h"
#include "formats/tfrecord_writer.h"
#include "serialization/status_error.h"

namespace troupe {

namespace {

struct TaskState {
  TaskActorOptions options;
  uint64_t incarnation = NewIncarnation();
  // The checkpoint restored last, and when it was saved (TaskStatus).
  std::string restored_prefix;
  int64_t restored_time_unix_ms = 0;
  std::chrono::steady_clock::time_point started =
      std::chrono::steady_clock::now();
  // The resources every container holds, against options.max_resources.
  std::shared_ptr<ResourceBudget> budget;
  // Each container's actor, which owns its resources.
  std::map<std::string, ContainerActor> containers;
  // The queue runners and their coordinators (actors/runner_registry.h).
  caf::actor runners;
  // While a restore runs, requests about containers are skipped: they stay in
  // the mailbox, in their order, until it is done.
  bool restoring = false;
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

// The actor of `container`, or none.
ContainerActor FindContainer(TaskPointer self, const std::string& container) {
  auto found = self->state.containers.find(container);
  return found == self->state.containers.end() ? ContainerActor()
                                               : found->second;
}

// The actor of `container`, spawned if it has none yet.
ContainerActor OpenContainer(TaskPointer self, const std::string& container) {
  if (ContainerActor found = FindContainer(self, container)) return found;
  TaskState& state = self->state;
  ContainerActor actor = SpawnContainer(
      self->system(),
      ContainerOptions{state.options.device, container, state.budget,
                       state.options.memory_limit_bytes,
                       state.options.queue_logs, state.options.data_dir,
                       caf::actor_cast<TaskActor>(self)});
  self->monitor(actor);
  state.containers.emplace(container, actor);
  return actor;
}

// What would fail a create in a container that does not exist yet; the task
// checks it first, so that a create that fails spawns no container.
absl::Status CheckFirstCreate(TaskPointer self, const std::string& name,
                              const QueueSpec& spec) {
  const TaskActorOptions& options = self->state.options;
  TROUPE_RETURN_IF_ERROR(ValidateSharedName(name));
  TROUPE_RETURN_IF_ERROR(
      CheckNewQueue(name, spec, options.queue_logs, options.device));
  return self->state.budget->CheckRoom(options.device);
}

absl::Status CheckFirstCreate(TaskPointer self, const std::string& name,
                              const VariableSpec& spec) {
  TROUPE_RETURN_IF_ERROR(ValidateSharedName(name));
  TROUPE_RETURN_IF_ERROR(ValidateVariableSpec(spec, name));
  return self->state.budget->CheckRoom(self->state.options.device);
}

absl::Status CheckFirstCreate(TaskPointer self, const std::string& name,
                              const ReaderSpec& spec) {
  TROUPE_RETURN_IF_ERROR(ValidateSharedName(name));
  TROUPE_RETURN_IF_ERROR(ReaderOptionsFromSpec(spec).status());
  return self->state.budget->CheckRoom(self->state.options.device);
}

// Lookup-or-create of a resource of kind `Atom` in its container, which
// answers the request itself.
template <class Atom, class Spec, class Handle>
caf::result<Handle, Spec, bool> Open(TaskPointer self, Atom atom,
                                     std::string& device,
                                     std::string& container, std::string& name,
                                     Spec& spec) {
  if (self->state.restoring) return caf::skip;
  absl::Status valid = CheckDevice(self, device);
  if (valid.ok()) valid = ValidateContainerName(container);
  if (valid.ok() && !FindContainer(self, container))
    valid = CheckFirstCreate(self, name, spec);
  if (!valid.ok()) return ToError(valid);
  return self->delegate(OpenContainer(self, container), atom, std::move(name),
                        std::move(spec));
}

// Lookup of a resource of kind `Atom` (`kind` in messages) in its container.
template <class Atom, class Handle, class Spec>
caf::result<Handle, Spec> Lookup(TaskPointer self, Atom atom,
                                 absl::string_view kind, std::string& device,
                                 std::string& container, std::string& name) {
  if (self->state.restoring) return caf::skip;
  absl::Status valid = CheckDevice(self, device);
  if (valid.ok()) valid = ValidateContainerName(container);
  if (valid.ok()) valid = ValidateSharedName(name);
  if (!valid.ok()) return ToError(valid);
  ContainerActor actor = FindContainer(self, container);
  if (!actor) {
    return ToError(
        ResourceNotFound(kind, self->state.options.device, container, name));
  }
  return self->delegate(actor, atom, std::move(name));
}

// Resets `containers`: each stops its resources and quits; answered once all
// have.
caf::result<caf::ok_atom> Reset(TaskPointer self,
                                std::vector<std::string> containers) {
  if (containers.empty()) containers.emplace_back();
  for (const std::string& container : containers) {
    if (absl::Status valid = ValidateContainerName(container); !valid.ok())
      return ToError(valid);
  }
  // The runners first, so that they stop before their queues go.
  caf::anon_send(self->state.runners, reset_atom::value, containers);
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto gathering = std::make_shared<Gathering<caf::ok_atom>>(
      [rp](absl::StatusOr<std::vector<caf::ok_atom>>) mutable {
        rp.deliver(caf::ok_atom::value);
      });
  for (const std::string& container : containers) {
    ContainerActor actor = FindContainer(self, container);
    if (!actor) continue;
    self->demonitor(actor.address());
    self->state.containers.erase(container);
    gathering->Expect();
    self->request(actor, caf::infinite, reset_atom::value)
        .then([gathering](caf::ok_atom ok) { gathering->Add(ok); },
              [gathering](caf::error&) { gathering->Skip(); });
  }
  gathering->Ready();
  return rp;
}

// Every resource of every container, and every runner.
caf::result<std::vector<ResourceInfo>> List(TaskPointer self) {
  auto rp = self->make_response_promise<std::vector<ResourceInfo>>();
  auto gathering = std::make_shared<Gathering<std::vector<ResourceInfo>>>(
      [rp](absl::StatusOr<std::vector<std::vector<ResourceInfo>>>
               lists) mutable {
        std::vector<ResourceInfo> infos;
        for (std::vector<ResourceInfo>& list : *lists) {
          std::move(list.begin(), list.end(), std::back_inserter(infos));
        }
        rp.deliver(std::move(infos));
      });
  auto add = [gathering](std::vector<ResourceInfo>& infos) {
    gathering->Add(std::move(infos));
  };
  auto skip = [gathering](caf::error&) { gathering->Skip(); };
  for (const auto& [name, actor] : self->state.containers) {
    gathering->Expect();
    self->request(actor, std::chrono::seconds(10), list_atom::value)
        .then(add, skip);
  }
  gathering->Expect();
  self->request(self->state.runners, std::chrono::seconds(10), list_atom::value)
      .then(add, skip);
  gathering->Ready();
  return rp;
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

// Collects the values of the chosen containers' resources into a snapshot,
// each container asking each of its resources for its own (consistent per
// resource), then has the checkpoint store write it.
caf::result<std::string, int64_t, int64_t> SaveCheckpoint(
    TaskPointer self, const std::string& prefix,
    const std::vector<std::string>& containers, bool include_queues) {
  if (absl::Status can = CheckCanCheckpoint(self, prefix); !can.ok())
    return ToError(can);
  auto rp = self->make_response_promise<std::string, int64_t, int64_t>();
  TaskSnapshot snapshot;
  snapshot.device = self->state.options.device;
  snapshot.time_unix_ms = absl::ToUnixMillis(absl::Now());
  auto gathering = std::make_shared<Gathering<TaskSnapshot>>(
      [self, rp, prefix, snapshot = std::move(snapshot)](
          absl::StatusOr<std::vector<TaskSnapshot>> parts) mutable {
        if (!parts.ok()) {
          rp.deliver(ToError(parts.status()));
          return;
        }
        for (TaskSnapshot& part : *parts) {
          std::move(part.variables.begin(), part.variables.end(),
                    std::back_inserter(snapshot.variables));
          std::move(part.queues.begin(), part.queues.end(),
                    std::back_inserter(snapshot.queues));
        }
        const int64_t tensors = snapshot.tensors();
        self->request(self->state.options.checkpoints, caf::infinite,
                      save_atom::value, prefix, std::move(snapshot))
            .then(
                [rp, tensors](std::string& file, int64_t bytes) mutable {
                  rp.deliver(std::move(file), tensors, bytes);
                },
                [rp](caf::error& error) mutable {
                  rp.deliver(std::move(error));
                });
      });
  for (const auto& [name, actor] : self->state.containers) {
    if (!containers.empty() && std::find(containers.begin(), containers.end(),
                                         name) == containers.end()) {
      continue;
    }
    gathering->Expect();
    self->request(actor, caf::infinite, save_atom::value, include_queues)
        .then([gathering](
                  TaskSnapshot& part) { gathering->Add(std::move(part)); },
              [gathering](caf::error& error) { gathering->Fail(error); });
  }
  gathering->Ready();
  return rp;
}

// `snapshot` split by container, each part with the container's actor
// (spawned for a container that does not exist yet).
std::vector<std::pair<ContainerActor, TaskSnapshot>> SplitByContainer(
    TaskPointer self, TaskSnapshot snapshot) {
  std::map<std::string, TaskSnapshot> parts;
  for (SavedVariable& saved : snapshot.variables) {
    parts[saved.container].variables.push_back(std::move(saved));
  }
  for (SavedQueue& saved : snapshot.queues) {
    parts[saved.container].queues.push_back(std::move(saved));
  }
  std::vector<std::pair<ContainerActor, TaskSnapshot>> split;
  for (auto& [container, part] : parts) {
    split.emplace_back(OpenContainer(self, container), std::move(part));
  }
  return split;
}

// Sends each part with `atom` to its container; `done` gets the sum of their
// answers, or the first error.
template <class Atom>
void AskEachContainer(
    TaskPointer self,
    const std::vector<std::pair<ContainerActor, TaskSnapshot>>& parts,
    Atom atom, bool keep_durable,
    std::function<void(absl::StatusOr<int64_t>)> done) {
  auto gathering = std::make_shared<Gathering<int64_t>>(
      [done](absl::StatusOr<std::vector<int64_t>> answers) {
        if (!answers.ok()) {
          done(answers.status());
          return;
        }
        int64_t sum = 0;
        for (int64_t answer : *answers) sum += answer;
        done(sum);
      });
  for (const auto& [actor, part] : parts) {
    gathering->Expect();
    self->request(actor, caf::infinite, atom, part, keep_durable)
        .then([gathering](int64_t answer) { gathering->Add(answer); },
              [gathering](caf::error& error) { gathering->Fail(error); });
  }
  gathering->Ready();
}

// OK when every container `snapshot` names has a valid name.
absl::Status CheckContainerNames(const TaskSnapshot& snapshot) {
  for (const SavedVariable& saved : snapshot.variables)
    TROUPE_RETURN_IF_ERROR(ValidateContainerName(saved.container));
  for (const SavedQueue& saved : snapshot.queues)
    TROUPE_RETURN_IF_ERROR(ValidateContainerName(saved.container));
  return absl::OkStatus();
}

// Restores `snapshot`, all or nothing: every container checks its part, the
// task checks that what they would create fits its limit, and only then does
// each apply its part. Requests about containers wait meanwhile (the caller
// set `restoring`; this clears it when done), so that nothing changes between
// the check and the apply. `keep_durable` leaves the durable queues that
// exist as they are. `done` gets the tensors restored.
void RestoreSnapshot(TaskPointer self, TaskSnapshot snapshot, bool keep_durable,
                     std::function<void(absl::StatusOr<int64_t>)> done) {
  auto finish = [self, done](absl::StatusOr<int64_t> result) {
    // The requests skipped meanwhile are tried again, in their order, when
    // this turn ends.
    self->state.restoring = false;
    done(std::move(result));
  };
  if (absl::Status valid = CheckContainerNames(snapshot); !valid.ok()) {
    finish(valid);
    return;
  }
  auto parts =
      std::make_shared<std::vector<std::pair<ContainerActor, TaskSnapshot>>>(
          SplitByContainer(self, std::move(snapshot)));
  AskEachContainer(
      self, *parts, restorable_atom::value, keep_durable,
      [self, parts, keep_durable, finish](absl::StatusOr<int64_t> added) {
        if (!added.ok()) {
          finish(added.status());
          return;
        }
        const ResourceBudget& budget = *self->state.budget;
        const size_t held = budget.held() + static_cast<size_t>(*added);
        if (held > budget.limit()) {
          finish(absl::ResourceExhaustedError(
              absl::StrCat("Restoring would make task ",
                           self->state.options.device, " hold ", held,
                           " resources, past its limit of ", budget.limit())));
          return;
        }
        AskEachContainer(self, *parts, restore_atom::value, keep_durable,
                         finish);
      });
}

// Reads this task's shard of `prefix` through the checkpoint store, checks
// all of it, then applies it: all or nothing.
caf::result<int64_t> RestoreCheckpoint(TaskPointer self,
                                       const std::string& prefix) {
  if (absl::Status can = CheckCanCheckpoint(self, prefix); !can.ok())
    return ToError(can);
  auto rp = self->make_response_promise<int64_t>();
  // From the read on, so that a second restore waits for this one.
  self->state.restoring = true;
  self->request(self->state.options.checkpoints, caf::infinite,
                restore_atom::value, prefix)
      .then(
          [self, rp, prefix](TaskSnapshot& snapshot) mutable {
            const int64_t time_unix_ms = snapshot.time_unix_ms;
            RestoreSnapshot(
                self, std::move(snapshot), /*keep_durable=*/true,
                [self, rp, prefix,
                 time_unix_ms](absl::StatusOr<int64_t> restored) mutable {
                  if (!restored.ok()) {
                    rp.deliver(ToError(absl::Status(
                        restored.status().code(),
                        absl::StrCat("Cannot restore checkpoint ", prefix,
                                     " on ", self->state.options.device, ": ",
                                     restored.status().message(),
                                     "; nothing changed"))));
                    return;
                  }
                  self->state.restored_prefix = prefix;
                  self->state.restored_time_unix_ms = time_unix_ms;
                  rp.deliver(*restored);
                });
          },
          [self, rp](caf::error& error) mutable {
            self->state.restoring = false;
            rp.deliver(std::move(error));
          });
  return rp;
}

// --- End of checkpoints ---

TaskActor::behavior_type TaskBehavior(TaskPointer self,
                                      TaskActorOptions options) {
  self->state.options = std::move(options);
  self->state.budget =
      std::make_shared<ResourceBudget>(self->state.options.max_resources);
  self->state.runners = SpawnRunnerRegistry(
      self->system(), RunnerRegistryOptions{caf::actor_cast<TaskActor>(self),
                                            self->state.options.data_dir});
  self->set_down_handler([self](caf::down_msg& down) {
    auto& containers = self->state.containers;
    for (auto it = containers.begin(); it != containers.end(); ++it) {
      if (it->second.address() == down.source) {
        containers.erase(it);
        return;
      }
    }
  });
  self->set_exit_handler([self](caf::exit_msg& exit) {
    for (auto& [name, actor] : self->state.containers) {
      self->send_exit(
          actor,
          ToError(absl::CancelledError(absl::StrCat(
              "task ", self->state.options.device, " is shutting down"))));
    }
    self->state.containers.clear();
    self->quit(exit.reason);
  });
  return {
      [self](queue_atom atom, std::string& device, std::string& container,
             std::string& name, QueueSpec& spec) {
        return Open<queue_atom, QueueSpec, QueueActor>(self, atom, device,
                                                       container, name, spec);
      },
      [self](lookup_atom atom, std::string& device, std::string& container,
             std::string& name) {
        return Lookup<lookup_atom, QueueActor, QueueSpec>(
            self, atom, "Queue", device, container, name);
      },
      [self](
          reset_atom, std::string& device,
          std::vector<std::string>& containers) -> caf::result<caf::ok_atom> {
        if (self->state.restoring) return caf::skip;
        if (absl::Status valid = CheckDevice(self, device); !valid.ok())
          return ToError(valid);
        return Reset(self, std::move(containers));
      },
      [self](list_atom,
             std::string& device) -> caf::result<std::vector<ResourceInfo>> {
        if (self->state.restoring) return caf::skip;
        if (absl::Status valid = CheckDevice(self, device); !valid.ok())
          return ToError(valid);
        return List(self);
      },
      // --- Variables ---
      [self](variable_atom atom, std::string& device, std::string& container,
             std::string& name, VariableSpec& spec) {
        return Open<variable_atom, VariableSpec, VariableActor>(
            self, atom, device, container, name, spec);
      },
      [self](lookup_variable_atom atom, std::string& device,
             std::string& container, std::string& name) {
        return Lookup<lookup_variable_atom, VariableActor, VariableSpec>(
            self, atom, "Variable", device, container, name);
      },
      // --- End of variables ---
      [self](reader_atom atom, std::string& device, std::string& container,
             std::string& name, ReaderSpec& spec) {
        return Open<reader_atom, ReaderSpec, ReaderActor>(
            self, atom, device, container, name, spec);
      },
      [self](lookup_reader_atom atom, std::string& device,
             std::string& container, std::string& name) {
        return Lookup<lookup_reader_atom, ReaderActor, ReaderSpec>(
            self, atom, "Reader", device, container, name);
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
          save_atom, std::string& device, std::string& prefix,
          std::vector<std::string>& containers,
          bool include_queues) -> caf::result<std::string, int64_t, int64_t> {
        if (self->state.restoring) return caf::skip;
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
      [self](restore_atom, std::string& device,
             std::string& prefix) -> caf::result<int64_t> {
        if (self->state.restoring) return caf::skip;
        if (absl::Status valid = CheckDevice(self, device); !valid.ok())
          return ToError(valid);
        return RestoreCheckpoint(self, prefix);
      },
      [self](restore_atom, TaskSnapshot& snapshot) -> caf::result<int64_t> {
        if (self->state.restoring) return caf::skip;
        self->state.restoring = true;
        auto rp = self->make_response_promise<int64_t>();
        RestoreSnapshot(self, std::move(snapshot), /*keep_durable=*/false,
                        [rp](absl::StatusOr<int64_t> restored) mutable {
                          if (restored.ok()) {
                            rp.deliver(*restored);
                          } else {
                            rp.deliver(ToError(restored.status()));
                          }
                        });
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
