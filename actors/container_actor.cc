#include "actors/container_actor.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/gathering.h"
#include "actors/queue_actor.h"
#include "actors/queue_validation.h"
#include "actors/reader_actor.h"
#include "actors/reader_options_from_spec.h"
#include "actors/resource_names.h"
#include "actors/variable_actor.h"
#include "base/status_macros.h"
#include "serialization/status_error.h"

namespace troupe {

namespace {

struct QueueEntry {
  QueueActor actor;
  QueueSpec spec;
};

struct VariableEntry {
  VariableActor actor;
  VariableSpec spec;  // As declared.
};

struct ReaderEntry {
  ReaderActor actor;
  ReaderSpec spec;
};

struct ContainerState {
  ContainerOptions options;
  // Queues, variables and readers each have a namespace of their own, as
  // TensorFlow keys resources by type too.
  std::map<std::string, QueueEntry> queues;
  std::map<std::string, VariableEntry> variables;
  std::map<std::string, ReaderEntry> readers;
  static inline const char* name = "troupe.container";
};

using ContainerPointer = ContainerActor::stateful_pointer<ContainerState>;

// Takes a unit of the task's budget for a resource about to be created, or
// answers RESOURCE_EXHAUSTED.
absl::Status TakeRoom(ContainerPointer self) {
  const ContainerOptions& options = self->state.options;
  return options.budget->TakeOne(options.device);
}

// Spawns and records variable `name`. REQUIRES: it does not exist yet, and a
// unit of the budget is taken for it.
VariableActor AddVariable(ContainerPointer self, const std::string& name,
                          const VariableSpec& spec) {
  VariableActor variable = SpawnVariable(self->system(), name, spec);
  self->monitor(variable);
  self->state.variables.emplace(name, VariableEntry{variable, spec});
  return variable;
}

// Spawns and records queue `name`; `restoring` when a restore of its content
// is the next message sent to it. REQUIRES: it does not exist yet, a unit of
// the budget is taken for it, and the task can keep it if it is durable.
QueueActor AddQueue(ContainerPointer self, const std::string& name,
                    const QueueSpec& spec, bool restoring = false) {
  const ContainerOptions& options = self->state.options;
  std::optional<QueueLogOptions> log;
  if (spec.durable()) {
    log = QueueLogOptions{options.queue_logs, options.container,
                          QueueLogFileName(options.container, name)};
    log->content_follows = restoring;
  }
  QueueActor queue = SpawnQueue(self->system(), name, spec, kDefaultMaxWaiting,
                                options.memory_limit_bytes, std::move(log));
  self->monitor(queue);
  self->state.queues.emplace(name, QueueEntry{queue, spec});
  return queue;
}

caf::result<QueueActor, QueueSpec, bool> OpenQueue(ContainerPointer self,
                                                   const std::string& name,
                                                   const QueueSpec& spec) {
  if (absl::Status valid = ValidateSharedName(name); !valid.ok())
    return ToError(valid);
  const ContainerOptions& options = self->state.options;
  auto& queues = self->state.queues;
  if (auto found = queues.find(name); found != queues.end()) {
    absl::Status same = CheckSharedQueue(found->second.spec, spec, name);
    if (!same.ok()) return ToError(same);
    return {found->second.actor, found->second.spec, false};
  }
  absl::Status can =
      CheckNewQueue(name, spec, options.queue_logs, options.device);
  if (can.ok()) can = TakeRoom(self);
  if (!can.ok()) return ToError(can);
  return {AddQueue(self, name, spec), spec, true};
}

caf::result<VariableActor, VariableSpec, bool> OpenVariable(
    ContainerPointer self, const std::string& name, const VariableSpec& spec) {
  if (absl::Status valid = ValidateSharedName(name); !valid.ok())
    return ToError(valid);
  auto& variables = self->state.variables;
  if (auto found = variables.find(name); found != variables.end()) {
    absl::Status same = CheckSharedVariable(found->second.spec, spec, name);
    if (!same.ok()) return ToError(same);
    return {found->second.actor, found->second.spec, false};
  }
  absl::Status can = ValidateVariableSpec(spec, name);
  if (can.ok()) can = TakeRoom(self);
  if (!can.ok()) return ToError(can);
  return {AddVariable(self, name, spec), spec, true};
}

caf::result<ReaderActor, ReaderSpec, bool> OpenReader(ContainerPointer self,
                                                      const std::string& name,
                                                      const ReaderSpec& spec) {
  if (absl::Status valid = ValidateSharedName(name); !valid.ok())
    return ToError(valid);
  auto& readers = self->state.readers;
  if (auto found = readers.find(name); found != readers.end()) {
    absl::Status same = CheckSharedReader(found->second.spec, spec, name);
    if (!same.ok()) return ToError(same);
    return {found->second.actor, found->second.spec, false};
  }
  absl::StatusOr<ReaderOptions> reader_options = ReaderOptionsFromSpec(spec);
  if (!reader_options.ok()) return ToError(reader_options.status());
  if (absl::Status room = TakeRoom(self); !room.ok()) return ToError(room);
  const ContainerOptions& options = self->state.options;
  ReaderActor reader = SpawnReader(
      self->system(),
      ReaderActorOptions{name, options.container, *std::move(reader_options),
                         options.data_dir, options.task});
  self->monitor(reader);
  readers.emplace(name, ReaderEntry{reader, spec});
  return {reader, spec, true};
}

// The resource `name` of `entries` (a `kind` in messages), or NOT_FOUND.
template <class Handle, class Spec, class Entry>
caf::result<Handle, Spec> Find(ContainerPointer self,
                               const std::map<std::string, Entry>& entries,
                               absl::string_view kind,
                               const std::string& name) {
  if (absl::Status valid = ValidateSharedName(name); !valid.ok())
    return ToError(valid);
  auto found = entries.find(name);
  if (found == entries.end()) {
    const ContainerOptions& options = self->state.options;
    return ToError(
        ResourceNotFound(kind, options.device, options.container, name));
  }
  return {found->second.actor, found->second.spec};
}

// Asks every resource to describe itself.
caf::result<std::vector<ResourceInfo>> List(ContainerPointer self) {
  const ContainerState& state = self->state;
  auto promise = self->make_response_promise<std::vector<ResourceInfo>>();
  auto gathering = std::make_shared<Gathering<ResourceInfo>>(
      [promise](absl::StatusOr<std::vector<ResourceInfo>> infos) mutable {
        promise.deliver(*std::move(infos));
      });
  auto describe = [self, gathering,
                   container = state.options.container](const auto& actor) {
    gathering->Expect();
    self->request(actor, std::chrono::seconds(10), describe_atom::value)
        .then(
            [gathering, container](ResourceInfo& info) {
              info.container = container;
              gathering->Add(std::move(info));
            },
            [gathering](caf::error&) { gathering->Skip(); });
  };
  for (const auto& [name, entry] : state.queues) describe(entry.actor);
  for (const auto& [name, entry] : state.variables) describe(entry.actor);
  for (const auto& [name, entry] : state.readers) describe(entry.actor);
  gathering->Ready();
  return promise;
}

// The values of the variables and, with `include_queues`, the queues'
// elements, each resource asked for its own (consistent per resource).
caf::result<TaskSnapshot> Save(ContainerPointer self, bool include_queues) {
  struct Gathering {
    TaskSnapshot snapshot;
    size_t pending = 1;  // This function's, released at its end.
    absl::Status error;
  };
  auto gathering = std::make_shared<Gathering>();
  auto rp = self->make_response_promise<TaskSnapshot>();
  auto one_done = [gathering, rp]() mutable {
    if (--gathering->pending > 0) return;
    if (!gathering->error.ok()) {
      rp.deliver(ToError(gathering->error));
      return;
    }
    rp.deliver(std::move(gathering->snapshot));
  };
  const std::string& container = self->state.options.container;
  for (const auto& [name, entry] : self->state.variables) {
    const size_t index = gathering->snapshot.variables.size();
    gathering->snapshot.variables.push_back(
        SavedVariable{container, name, entry.spec, {}});
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
    for (const auto& [name, entry] : self->state.queues) {
      const size_t index = gathering->snapshot.queues.size();
      SavedQueue saved;
      saved.container = container;
      saved.name = name;
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

// Drops from `snapshot` the durable queues that exist: their logs are newer
// than any checkpoint.
void SkipDurableQueues(ContainerPointer self, TaskSnapshot& snapshot) {
  const auto& queues = self->state.queues;
  auto& saved = snapshot.queues;
  saved.erase(std::remove_if(saved.begin(), saved.end(),
                             [&queues](const SavedQueue& queue) {
                               auto found = queues.find(queue.name);
                               return found != queues.end() &&
                                      found->second.spec.durable();
                             }),
              saved.end());
}

// How many resources restoring `snapshot` would create, or INVALID_ARGUMENT
// (FAILED_PRECONDITION for a durable queue the task cannot keep) naming the
// first resource that cannot be restored: a bad name or spec, a spec that
// differs from the existing resource's, or a value or element that does not
// fit its spec.
absl::StatusOr<size_t> CheckRestorable(ContainerPointer self,
                                       const TaskSnapshot& snapshot) {
  const ContainerState& state = self->state;
  size_t added = 0;
  for (const SavedVariable& saved : snapshot.variables) {
    TROUPE_RETURN_IF_ERROR(ValidateSharedName(saved.name));
    TROUPE_RETURN_IF_ERROR(ValidateVariableSpec(saved.spec, saved.name));
    auto found = state.variables.find(saved.name);
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
    TROUPE_RETURN_IF_ERROR(ValidateSharedName(saved.name));
    TROUPE_RETURN_IF_ERROR(CheckNewQueue(saved.name, saved.spec,
                                         state.options.queue_logs,
                                         state.options.device));
    auto found = state.queues.find(saved.name);
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
  return added;
}

// Creates what `snapshot` holds that is missing and overwrites the rest.
// REQUIRES: CheckRestorable(self, snapshot).ok(), and room in the budget.
caf::result<int64_t> Restore(ContainerPointer self, TaskSnapshot snapshot) {
  absl::StatusOr<size_t> added = CheckRestorable(self, snapshot);
  if (!added.ok()) return ToError(added.status());
  self->state.options.budget->Take(*added);
  auto rp = self->make_response_promise<int64_t>();
  auto gathering = std::make_shared<Gathering<caf::ok_atom>>(
      [rp, tensors = snapshot.tensors()](
          absl::StatusOr<std::vector<caf::ok_atom>> applied) mutable {
        if (applied.ok()) {
          rp.deliver(tensors);
        } else {
          rp.deliver(ToError(applied.status()));
        }
      });
  auto applied = [gathering](caf::ok_atom ok) { gathering->Add(ok); };
  auto failed = [gathering](caf::error& error) { gathering->Fail(error); };
  for (SavedVariable& saved : snapshot.variables) {
    auto found = self->state.variables.find(saved.name);
    VariableActor variable = found != self->state.variables.end()
                                 ? found->second.actor
                                 : AddVariable(self, saved.name, saved.spec);
    if (saved.value.empty()) continue;
    gathering->Expect();
    self->request(variable, caf::infinite, assign_atom::value,
                  std::move(saved.value[0]), /*validate_shape=*/false)
        .then(applied, failed);
  }
  for (SavedQueue& saved : snapshot.queues) {
    auto found = self->state.queues.find(saved.name);
    QueueActor queue = found != self->state.queues.end()
                           ? found->second.actor
                           : AddQueue(self, saved.name, saved.spec,
                                      /*restoring=*/true);
    gathering->Expect();
    self->request(queue, caf::infinite, restore_atom::value, saved.closed,
                  std::move(saved.elements))
        .then(applied, failed);
  }
  gathering->Ready();
  return rp;
}

// Erases the entry of the actor at `source` from `entries`; true if found.
template <class Entry>
bool Forget(std::map<std::string, Entry>& entries,
            const caf::actor_addr& source) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->second.actor.address() == source) {
      entries.erase(it);
      return true;
    }
  }
  return false;
}

// Stops every resource with `reason` and forgets it.
void StopAll(ContainerPointer self, const caf::error& reason) {
  ContainerState& state = self->state;
  auto stop = [self, &reason](auto& entries) {
    for (auto& [name, entry] : entries) {
      self->demonitor(entry.actor.address());
      self->send_exit(entry.actor, reason);
    }
    const size_t count = entries.size();
    entries.clear();
    return count;
  };
  size_t stopped = stop(state.queues);
  stopped += stop(state.variables);
  stopped += stop(state.readers);
  state.options.budget->Release(stopped);
}

ContainerActor::behavior_type ContainerBehavior(ContainerPointer self,
                                                ContainerOptions options) {
  self->state.options = std::move(options);
  self->set_down_handler([self](caf::down_msg& down) {
    ContainerState& state = self->state;
    if (Forget(state.queues, down.source) ||
        Forget(state.variables, down.source) ||
        Forget(state.readers, down.source)) {
      state.options.budget->Release(1);
    }
  });
  self->set_exit_handler([self](caf::exit_msg& exit) {
    StopAll(self, exit.reason);
    self->quit(exit.reason);
  });
  return {
      [self](queue_atom, const std::string& name, const QueueSpec& spec)
          -> caf::result<QueueActor, QueueSpec, bool> {
        return OpenQueue(self, name, spec);
      },
      [self](lookup_atom,
             const std::string& name) -> caf::result<QueueActor, QueueSpec> {
        return Find<QueueActor, QueueSpec>(self, self->state.queues, "Queue",
                                           name);
      },
      [self](variable_atom, const std::string& name, const VariableSpec& spec)
          -> caf::result<VariableActor, VariableSpec, bool> {
        return OpenVariable(self, name, spec);
      },
      [self](lookup_variable_atom, const std::string& name)
          -> caf::result<VariableActor, VariableSpec> {
        return Find<VariableActor, VariableSpec>(self, self->state.variables,
                                                 "Variable", name);
      },
      [self](reader_atom, const std::string& name, const ReaderSpec& spec)
          -> caf::result<ReaderActor, ReaderSpec, bool> {
        return OpenReader(self, name, spec);
      },
      [self](lookup_reader_atom,
             const std::string& name) -> caf::result<ReaderActor, ReaderSpec> {
        return Find<ReaderActor, ReaderSpec>(self, self->state.readers,
                                             "Reader", name);
      },
      [self](list_atom) { return List(self); },
      [self](save_atom, bool include_queues) {
        return Save(self, include_queues);
      },
      [self](restorable_atom, TaskSnapshot& snapshot,
             bool keep_durable) -> caf::result<int64_t> {
        if (keep_durable) SkipDurableQueues(self, snapshot);
        absl::StatusOr<size_t> added = CheckRestorable(self, snapshot);
        if (!added.ok()) return ToError(added.status());
        return static_cast<int64_t>(*added);
      },
      [self](restore_atom, TaskSnapshot& snapshot, bool keep_durable) {
        if (keep_durable) SkipDurableQueues(self, snapshot);
        return Restore(self, std::move(snapshot));
      },
      [self](reset_atom) {
        ContainerState& state = self->state;
        for (const auto& [name, entry] : state.queues) {
          if (entry.spec.durable()) {
            self->send(state.options.queue_logs, remove_atom::value,
                       entry.actor.id());
          }
        }
        StopAll(self,
                ToError(absl::CancelledError(absl::StrCat(
                    "container '", state.options.container, "' was reset"))));
        // Answered before the actor quits, so that the answer is sent.
        auto rp = self->make_response_promise<caf::ok_atom>();
        rp.deliver(caf::ok_atom::value);
        self->quit();
        return rp;
      },
  };
}

}  // namespace

ContainerActor SpawnContainer(caf::actor_system& system,
                              ContainerOptions options) {
  return system.spawn(ContainerBehavior, std::move(options));
}

absl::Status ResourceNotFound(absl::string_view kind, absl::string_view device,
                              absl::string_view container,
                              absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(kind, " '", name, "' in container '",
                                          container, "' on ", device,
                                          " does not exist"));
}

absl::Status CheckNewQueue(const std::string& name, const QueueSpec& spec,
                           const QueueLogWriterActor& queue_logs,
                           absl::string_view device) {
  TROUPE_RETURN_IF_ERROR(ValidateQueueSpec(spec, name));
  if (!spec.durable() || queue_logs) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "Task ", device, " keeps no durable queues (it has no data directory)"));
}

}  // namespace troupe
