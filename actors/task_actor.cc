#include "actors/task_actor.h"

#include <chrono>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/incarnation.h"
#include "actors/queue_actor.h"
#include "actors/resource_names.h"
#include "actors/variable_actor.h"
#include "base/status_macros.h"
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

struct TaskState {
  TaskActorOptions options;
  uint64_t incarnation = NewIncarnation();
  std::chrono::steady_clock::time_point started =
      std::chrono::steady_clock::now();
  std::map<ResourceKey, QueueEntry> queues;
  // Variables are keyed apart from queues: a queue and a variable may share a
  // (container, name), as TensorFlow keys resources by type too.
  std::map<ResourceKey, VariableEntry> variables;
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
  if (state.queues.size() + state.variables.size() <
      state.options.max_resources) {
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("Task ", state.options.device, " holds ",
                   state.options.max_resources, " resources, its limit"));
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
  VariableActor variable = SpawnVariable(self->system(), name, spec);
  self->monitor(variable);
  variables.emplace(key, VariableEntry{variable, spec});
  return {variable, spec, true};
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

TaskActor::behavior_type TaskBehavior(TaskPointer self,
                                      TaskActorOptions options) {
  self->state.options = std::move(options);
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
        // Variables count too.
        if (absl::Status room = CheckRoom(self); !room.ok())
          return ToError(room);
        QueueActor queue =
            SpawnQueue(self->system(), name, spec, kDefaultMaxWaiting,
                       self->state.options.memory_limit_bytes);
        self->monitor(queue);
        queues.emplace(key, QueueEntry{queue, spec});
        return {queue, spec, true};
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
        auto& queues = self->state.queues;
        for (const std::string& container : containers) {
          auto it = queues.lower_bound(ResourceKey{container, ""});
          while (it != queues.end() && it->first.first == container) {
            self->demonitor(it->second.actor.address());
            self->send_exit(it->second.actor,
                            StopReason(absl::StrCat("container '", container,
                                                    "' was reset")));
            it = queues.erase(it);
          }
          ResetVariables(self, container);  // Variables.
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
        if (queues.empty() && variables.empty())
          return std::vector<ResourceInfo>{};
        auto promise = self->make_response_promise<std::vector<ResourceInfo>>();
        struct Gather {
          std::vector<ResourceInfo> infos;
          size_t missing;
        };
        auto gather = std::make_shared<Gather>(
            Gather{{}, queues.size() + variables.size()});
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
      [self](status_atom) -> TaskStatus {
        const TaskState& state = self->state;
        return TaskStatus{state.options.device, state.incarnation,
                          std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - state.started)
                              .count(),
                          state.options.restarts};
      },
  };
}

}  // namespace

TaskActor SpawnTaskActor(caf::actor_system& system, TaskActorOptions options) {
  return system.spawn(TaskBehavior, std::move(options));
}

}  // namespace troupe
