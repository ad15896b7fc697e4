#include "actors/runner_registry.h"

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"

#include "actors/resource_names.h"
#include "actors/runner_actor.h"
#include "serialization/status_error.h"

namespace troupe {
namespace {

using Key = std::pair<std::string, std::string>;  // (container, name)

struct Record {
  RunnerSpec spec;
  caf::actor actor;  // null once it ended
  bool ready = false;
  RunnerStatus status;  // how it ended
  std::vector<caf::response_promise> starts;
  std::vector<caf::response_promise> joins;
};

struct Coordinator {
  bool stopped = false;
  absl::Status error;  // the first
  std::vector<caf::response_promise> joins;
};

struct RegistryState {
  RunnerRegistryOptions options;
  std::map<Key, Record> runners;
  std::map<caf::actor_addr, Key> running;
  std::map<Key, Coordinator> coordinators;
  static inline const char* name = "troupe.runners";
};

using Registry = caf::stateful_actor<RegistryState>;

// A runner's coordinator: its spec's, or one of its own.
Key CoordinatorOf(const Key& runner, const RunnerSpec& spec) {
  return {runner.first, spec.coordinator.empty() ? "\x01runner:" + runner.second
                                                 : spec.coordinator};
}

absl::Status NotFound(const Key& key, const char* what) {
  return absl::NotFoundError(absl::StrCat(
      what, " '", key.second, "' not found in container '", key.first, "'"));
}

// What a coordinator says: its first error ("failed"), else "stopped" once
// a stop was asked, else "finished"; its runners' steps together.
RunnerStatus CoordinatorStatus(Registry* self, const Key& key) {
  RunnerStatus status;
  const Coordinator& coordinator = self->state.coordinators[key];
  for (const auto& [runner, record] : self->state.runners) {
    if (CoordinatorOf(runner, record.spec) == key) {
      status.steps += record.status.steps;
    }
  }
  status.state = !coordinator.error.ok() ? "failed"
                 : coordinator.stopped   ? "stopped"
                                         : "finished";
  status.error_code = static_cast<int32_t>(coordinator.error.code());
  status.error_message = std::string(coordinator.error.message());
  return status;
}

bool CoordinatorRunning(Registry* self, const Key& key) {
  for (const auto& [runner, record] : self->state.runners) {
    if (record.actor && CoordinatorOf(runner, record.spec) == key) return true;
  }
  return false;
}

void StopCoordinator(Registry* self, const Key& key,
                     const absl::Status& error) {
  Coordinator& coordinator = self->state.coordinators[key];
  coordinator.stopped = true;
  if (coordinator.error.ok()) coordinator.error = error;
  for (auto& [runner, record] : self->state.runners) {
    if (record.actor && CoordinatorOf(runner, record.spec) == key) {
      self->send(record.actor, runner_stop_atom::value,
                 ToError(coordinator.error));
    }
  }
}

// Answers what waits on the coordinator of `runner` once none of its
// runners is left running.
void AnswerCoordinator(Registry* self, const Key& key) {
  if (CoordinatorRunning(self, key)) return;
  Coordinator& coordinator = self->state.coordinators[key];
  RunnerStatus status = CoordinatorStatus(self, key);
  for (caf::response_promise& join : coordinator.joins) join.deliver(status);
  coordinator.joins.clear();
}

void Ended(Registry* self, const Key& key, RunnerStatus status) {
  auto found = self->state.runners.find(key);
  if (found == self->state.runners.end()) return;
  Record& record = found->second;
  record.actor = nullptr;
  record.status = status;
  for (caf::response_promise& start : record.starts) {
    if (!record.ready && !status.error().ok()) {
      start.deliver(ToError(status.error()));
    } else {
      start.deliver(status);
    }
  }
  record.starts.clear();
  for (caf::response_promise& join : record.joins) join.deliver(status);
  record.joins.clear();
  const Key coordinator = CoordinatorOf(key, record.spec);
  // One that never got going (its target or a source is missing) leaves
  // nothing behind: its start failed.
  if (!record.ready) self->state.runners.erase(found);
  AnswerCoordinator(self, coordinator);
}

caf::result<RunnerStatus> Start(Registry* self, const Key& key,
                                RunnerSpec spec) {
  RegistryState& state = self->state;
  absl::Status valid = ValidateContainerName(key.first);
  if (valid.ok()) valid = ValidateSharedName(key.second);
  if (valid.ok()) valid = ValidateRunnerSpec(spec);
  if (!valid.ok()) return ToError(valid);
  auto found = state.runners.find(key);
  if (found != state.runners.end() && found->second.actor) {
    RunnerStatus status = found->second.status;
    status.state = "running";
    status.started = false;
    return status;
  }
  if (found == state.runners.end() &&
      state.runners.size() >= state.options.max_runners) {
    return ToError(absl::ResourceExhaustedError(
        absl::StrCat("The task holds ", state.options.max_runners,
                     " queue runners, its limit; reset their containers")));
  }
  Record& record = state.runners[key];
  record = Record{};
  record.spec = std::move(spec);
  const Key coordinator = CoordinatorOf(key, record.spec);
  // A runner of its own coordinator starts afresh, even after it failed; a
  // named coordinator stays stopped once stopped (TensorFlow's, without
  // clear_stop).
  if (record.spec.coordinator.empty()) {
    state.coordinators[coordinator] = Coordinator{};
  }
  if (state.coordinators[coordinator].stopped) {
    record.status.state = "stopped";
    record.status.started = true;
    return record.status;
  }
  RunnerActorOptions options;
  options.name = key.second;
  options.container = key.first;
  options.spec = record.spec;
  options.task = state.options.task;
  options.data_dir = state.options.data_dir;
  options.registry = caf::actor_cast<caf::actor>(self);
  record.actor = SpawnRunner(self->system(), std::move(options));
  state.running[record.actor.address()] = key;
  auto promise = self->make_response_promise();
  record.starts.push_back(promise);
  return caf::delegated<RunnerStatus>();
}

caf::result<RunnerStatus> Call(Registry* self, RunnerCall& call) {
  RegistryState& state = self->state;
  const Key key{call.container, call.name};
  if (call.verb == RunnerCall::kStart) {
    return Start(self, key, std::move(call.spec));
  }
  if (call.verb == RunnerCall::kStopCoordinator ||
      call.verb == RunnerCall::kJoinCoordinator ||
      call.verb == RunnerCall::kCoordinatorStatus) {
    if (state.coordinators.count(key) == 0) {
      if (call.verb != RunnerCall::kStopCoordinator) {
        return ToError(NotFound(key, "Coordinator"));
      }
      // TensorFlow's request_stop() before any thread of it started
      // (QueueRunnerTest.testRespectCoordShouldStop): the coordinator is
      // made stopped, so the runners started on it later end at once. As
      // many coordinators as runners at most.
      if (state.coordinators.size() >= state.options.max_runners) {
        return ToError(absl::ResourceExhaustedError(
            absl::StrCat("The task holds ", state.options.max_runners,
                         " coordinators, its limit; reset their containers")));
      }
    }
    if (call.verb == RunnerCall::kCoordinatorStatus) {
      RunnerStatus status = CoordinatorStatus(self, key);
      if (CoordinatorRunning(self, key) && !state.coordinators[key].stopped) {
        status.state = "running";
      }
      return status;
    }
    if (call.verb == RunnerCall::kStopCoordinator) {
      StopCoordinator(self, key, absl::OkStatus());
    }
    if (!CoordinatorRunning(self, key)) return CoordinatorStatus(self, key);
    auto promise = self->make_response_promise();
    state.coordinators[key].joins.push_back(promise);
    return caf::delegated<RunnerStatus>();
  }
  auto found = state.runners.find(key);
  if (found == state.runners.end()) return ToError(NotFound(key, "Runner"));
  Record& record = found->second;
  if (!record.actor) return record.status;
  if (call.verb == RunnerCall::kStatus) {
    auto promise = self->make_response_promise();
    self->request(record.actor, caf::infinite, describe_atom::value)
        .then(
            [promise](RunnerStatus& status) mutable {
              promise.deliver(std::move(status));
            },
            [promise](caf::error& error) mutable { promise.deliver(error); });
    return caf::delegated<RunnerStatus>();
  }
  if (call.verb == RunnerCall::kStop) {
    self->send(record.actor, runner_stop_atom::value, caf::error());
  } else if (call.verb != RunnerCall::kJoin) {
    return ToError(absl::InvalidArgumentError(
        absl::StrCat("Unknown runner call ", call.verb)));
  }
  auto promise = self->make_response_promise();
  record.joins.push_back(promise);
  return caf::delegated<RunnerStatus>();
}

// Stops and forgets the runners (and coordinators) of `containers`.
void Reset(Registry* self, const std::vector<std::string>& containers) {
  RegistryState& state = self->state;
  for (const std::string& container : containers) {
    auto it = state.runners.lower_bound(Key{container, ""});
    while (it != state.runners.end() && it->first.first == container) {
      Record& record = it->second;
      if (record.actor) {
        state.running.erase(record.actor.address());
        self->send(record.actor, runner_stop_atom::value, caf::error());
        RunnerStatus stopped = record.status;
        stopped.state = "stopped";
        for (caf::response_promise& promise : record.starts) {
          promise.deliver(stopped);
        }
        for (caf::response_promise& promise : record.joins) {
          promise.deliver(stopped);
        }
      }
      it = state.runners.erase(it);
    }
    auto coordinator = state.coordinators.lower_bound(Key{container, ""});
    while (coordinator != state.coordinators.end() &&
           coordinator->first.first == container) {
      RunnerStatus status = CoordinatorStatus(self, coordinator->first);
      for (caf::response_promise& promise : coordinator->second.joins) {
        promise.deliver(status);
      }
      coordinator = state.coordinators.erase(coordinator);
    }
  }
}

// Every runner; a running one is asked for its steps.
caf::result<std::vector<ResourceInfo>> List(Registry* self) {
  struct Gather {
    std::vector<ResourceInfo> infos;
    size_t missing = 0;
  };
  auto gather = std::make_shared<Gather>();
  for (const auto& [key, record] : self->state.runners) {
    ResourceInfo info;
    info.container = key.first;
    info.name = key.second;
    info.runner_state = record.actor ? "running" : record.status.state;
    info.runner_target = record.spec.target;
    info.runner_steps = record.status.steps;
    gather->infos.push_back(std::move(info));
    gather->missing += record.actor ? 1 : 0;
  }
  if (gather->missing == 0) return std::move(gather->infos);
  auto promise = self->make_response_promise();
  for (size_t i = 0; i < gather->infos.size(); ++i) {
    const Record& record =
        self->state
            .runners[Key{gather->infos[i].container, gather->infos[i].name}];
    if (!record.actor) continue;
    auto finish_one = [gather, promise]() mutable {
      if (--gather->missing == 0) promise.deliver(std::move(gather->infos));
    };
    self->request(record.actor, std::chrono::seconds(10), describe_atom::value)
        .then(
            [gather, i, finish_one](RunnerStatus& status) mutable {
              gather->infos[i].runner_steps = status.steps;
              finish_one();
            },
            [finish_one](caf::error&) mutable { finish_one(); });
  }
  return caf::delegated<std::vector<ResourceInfo>>();
}

caf::behavior RegistryBehavior(Registry* self, RunnerRegistryOptions options) {
  self->state.options = std::move(options);
  self->link_to(self->state.options.task);
  return {
      [self](runner_atom, RunnerCall& call) { return Call(self, call); },
      [self](reset_atom, const std::vector<std::string>& containers) {
        Reset(self, containers);
      },
      [self](list_atom) { return List(self); },
      [self](runner_ready_atom, const std::string&) {
        auto key = self->state.running.find(
            caf::actor_cast<caf::actor_addr>(self->current_sender()));
        if (key == self->state.running.end()) return;
        Record& record = self->state.runners[key->second];
        record.ready = true;
        RunnerStatus status;
        status.state = "running";
        status.started = true;
        for (caf::response_promise& start : record.starts) {
          start.deliver(status);
        }
        record.starts.clear();
      },
      [self](runner_error_atom, const std::string&, const caf::error& error) {
        auto key = self->state.running.find(
            caf::actor_cast<caf::actor_addr>(self->current_sender()));
        if (key == self->state.running.end()) return;
        StopCoordinator(
            self,
            CoordinatorOf(key->second, self->state.runners[key->second].spec),
            ToStatus(error));
      },
      [self](runner_ended_atom, const std::string&, RunnerStatus& status) {
        auto key = self->state.running.find(
            caf::actor_cast<caf::actor_addr>(self->current_sender()));
        if (key == self->state.running.end()) return;
        const Key runner = key->second;
        self->state.running.erase(key);
        Ended(self, runner, std::move(status));
      },
  };
}

}  // namespace

caf::actor SpawnRunnerRegistry(caf::actor_system& system,
                               RunnerRegistryOptions options) {
  return system.spawn(RegistryBehavior, std::move(options));
}

}  // namespace troupe
