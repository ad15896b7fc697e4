// Containers as actors: a container actor owns its resources and frees them
// on reset; the task's containers share one budget; a restore is all or
// nothing across containers, and what comes during it waits for it. Every
// wait is bounded (kBound).
#include "actors/container_actor.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "doctest/doctest.h"

#include "actors/task_actor.h"
#include "serialization/status_error.h"
#include "tests/actors/test_actor_system.h"

namespace troupe {
namespace {

const char kDevice[] = "/job:ps/task:0";

QueueSpec Fifo() {
  QueueSpec spec;
  spec.capacity = 10;
  spec.dtypes = {DT_FLOAT};
  return spec;
}

// One actor system and one task actor per test; the task stops (and so its
// containers) before the system shuts down, also when a REQUIRE fails.
class TaskFixture {
 public:
  explicit TaskFixture(size_t max_resources = 100)
      : system(config), task(SpawnTaskActor(system, Options(max_resources))) {}
  ~TaskFixture() { caf::anon_send_exit(task, caf::exit_reason::user_shutdown); }

  static TaskActorOptions Options(size_t max_resources) {
    TaskActorOptions options{kDevice, {kDevice}};
    options.max_resources = max_resources;
    return options;
  }

  TestConfig config;
  caf::actor_system system;
  TaskActor task;
};

// A container actor of its own, beside the fixture's task.
struct ContainerFixture : TaskFixture {
  ContainerFixture() {
    ContainerOptions options;
    options.device = kDevice;
    options.container = "c";
    options.budget = budget;
    container = SpawnContainer(system, options);
  }
  ~ContainerFixture() {
    caf::anon_send_exit(container, caf::exit_reason::user_shutdown);
  }

  std::shared_ptr<ResourceBudget> budget = std::make_shared<ResourceBudget>(10);
  ContainerActor container;
};

// A task that holds at most two resources.
struct SmallTaskFixture : TaskFixture {
  SmallTaskFixture() : TaskFixture(2) {}
};

VariableSpec Scalar(DType dtype) { return VariableSpec{dtype, Shape{}}; }

std::string CodeOf(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

// Lookup-or-create of variable `name` in `container` on `task`.
absl::Status OpenVariable(caf::scoped_actor& self, const TaskActor& task,
                          const std::string& container, const std::string& name,
                          DType dtype) {
  absl::Status result = absl::InternalError("no reply");
  self->request(task, kBound, variable_atom::value, std::string(kDevice),
                container, name, Scalar(dtype))
      .receive([&](VariableActor&, VariableSpec&,
                   bool) { result = absl::OkStatus(); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

TEST_SUITE("actors") {
  TEST_CASE_FIXTURE(
      ContainerFixture,
      "a container actor owns its resources and stops them on reset") {
    caf::scoped_actor self{system};

    QueueActor queue;
    self->request(container, kBound, queue_atom::value, std::string("q"),
                  Fifo())
        .receive([&](QueueActor& created, QueueSpec&,
                     bool is_new) { queue = is_new ? created : QueueActor(); },
                 [](caf::error&) {});
    REQUIRE(queue);
    CHECK(budget->held() == 1);
    bool found = false;
    self->request(container, kBound, lookup_atom::value, std::string("q"))
        .receive([&](QueueActor& actor, QueueSpec&) { found = actor == queue; },
                 [](caf::error&) {});
    CHECK(found);
    std::vector<ResourceInfo> listed;
    self->request(container, kBound, list_atom::value)
        .receive([&](std::vector<ResourceInfo>& infos) { listed = infos; },
                 [](caf::error&) {});
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].container == "c");
    CHECK(listed[0].name == "q");

    auto dequeue =
        self->request(queue, kBound, dequeue_atom::value, kNoTimeout);
    bool reset = false;
    self->request(container, kBound, reset_atom::value)
        .receive([&](caf::ok_atom) { reset = true; }, [](caf::error&) {});
    CHECK(reset);
    absl::Status cancelled = absl::InternalError("no reply");
    dequeue.receive([&](Tuple&) { cancelled = absl::OkStatus(); },
                    [&](caf::error& error) { cancelled = ToStatus(error); });
    CHECK(CodeOf(cancelled) == "CANCELLED");
    CHECK(absl::StrContains(cancelled.message(), "container 'c' was reset"));
    CHECK(budget->held() == 0);
  }

  TEST_CASE_FIXTURE(SmallTaskFixture,
                    "every container of a task counts against one budget") {
    {
      caf::scoped_actor self{system};
      CHECK(OpenVariable(self, task, "a", "x", DT_FLOAT).ok());
      CHECK(OpenVariable(self, task, "b", "y", DT_FLOAT).ok());
      absl::Status full = OpenVariable(self, task, "c", "z", DT_FLOAT);
      CHECK(CodeOf(full) == "RESOURCE_EXHAUSTED");
      CHECK(absl::StrContains(full.message(), "holds 2 resources"));
      bool reset = false;
      self->request(task, kBound, reset_atom::value, std::string(kDevice),
                    std::vector<std::string>{"a"})
          .receive([&](caf::ok_atom) { reset = true; }, [](caf::error&) {});
      REQUIRE(reset);
      CHECK(OpenVariable(self, task, "c", "z", DT_FLOAT).ok());
    }
  }

  TEST_CASE_FIXTURE(TaskFixture,
                    "a request sent during a restore is answered after it") {
    {
      caf::scoped_actor self{system};
      TaskSnapshot snapshot;
      snapshot.variables.push_back(SavedVariable{
          "a", "x", Scalar(DT_FLOAT), {Tensor::Scalar<float>(2.5f)}});
      QueueSpec spec = Fifo();
      snapshot.queues.push_back(
          SavedQueue{"b", "q", spec, false, {{Tensor::Scalar<float>(1.0f)}}});
      // Both requests leave before either is answered.
      auto restore =
          self->request(task, kBound, restore_atom::value, std::move(snapshot));
      auto lookup = self->request(task, kBound, lookup_variable_atom::value,
                                  std::string(kDevice), std::string("a"),
                                  std::string("x"));
      int64_t restored = -1;
      restore.receive([&](int64_t tensors) { restored = tensors; },
                      [](caf::error&) {});
      CHECK(restored == 2);
      VariableActor variable;
      lookup.receive(
          [&](VariableActor& found, VariableSpec&) { variable = found; },
          [](caf::error&) {});
      REQUIRE(variable);
      float value = 0;
      self->request(variable, kBound, read_atom::value)
          .receive([&](Tensor& tensor) { value = tensor.flat<float>()[0]; },
                   [](caf::error&) {});
      CHECK(value == 2.5f);
    }
  }

  TEST_CASE_FIXTURE(
      TaskFixture,
      "a restore that one container refuses changes no container") {
    {
      caf::scoped_actor self{system};
      REQUIRE(OpenVariable(self, task, "b", "v", DT_FLOAT).ok());
      TaskSnapshot snapshot;
      snapshot.variables.push_back(SavedVariable{
          "a", "x", Scalar(DT_FLOAT), {Tensor::Scalar<float>(1.0f)}});
      snapshot.variables.push_back(SavedVariable{
          "b", "v", Scalar(DT_INT32), {Tensor::Scalar<int32_t>(7)}});
      absl::Status restored = absl::InternalError("no reply");
      self->request(task, kBound, restore_atom::value, std::move(snapshot))
          .receive([&](int64_t) { restored = absl::OkStatus(); },
                   [&](caf::error& error) { restored = ToStatus(error); });
      CHECK(CodeOf(restored) == "INVALID_ARGUMENT");
      absl::Status lookup = absl::InternalError("no reply");
      self->request(task, kBound, lookup_variable_atom::value,
                    std::string(kDevice), std::string("a"), std::string("x"))
          .receive(
              [&](VariableActor&, VariableSpec&) { lookup = absl::OkStatus(); },
              [&](caf::error& error) { lookup = ToStatus(error); });
      CHECK(CodeOf(lookup) == "NOT_FOUND");
    }
  }
}

}  // namespace
}  // namespace troupe
