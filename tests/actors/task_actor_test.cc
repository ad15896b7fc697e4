// The task actor in a real in-process actor system: lookup-or-create by
// (container, shared name), TensorFlow's shared-queue checks, container
// resets, name rules, devices and listing. Every wait is bounded (kBound).
#include "actors/task_actor.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
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

#include "serialization/status_error.h"
#include "tests/actors/test_actor_system.h"

namespace troupe {
namespace {

const char kDevice[] = "/job:ps/task:0";

// One actor system and one task actor per test. The fixture stops the task
// (and so its queues) before the system shuts down.
class TaskFixture {
 public:
  TaskFixture()
      : system(config),
        task(SpawnTaskActor(
            system, {kDevice, {"/job:ps/task:0", "/job:worker/task:0"}})) {}
  ~TaskFixture() { caf::anon_send_exit(task, caf::exit_reason::user_shutdown); }

  TestConfig config;
  caf::actor_system system;
  TaskActor task;
};

QueueSpec Fifo(int32_t capacity, std::vector<DType> dtypes = {DT_FLOAT},
               std::vector<PartialShape> shapes = {}) {
  QueueSpec spec;
  spec.capacity = capacity;
  spec.dtypes = std::move(dtypes);
  spec.shapes = std::move(shapes);
  return spec;
}

Tuple F(float value) { return {Tensor::Scalar<float>(value)}; }

std::string CodeOf(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

struct Opened {
  QueueActor queue;
  QueueSpec spec;
  bool created = false;
};

absl::StatusOr<Opened> Open(caf::scoped_actor& self, const TaskActor& task,
                            const std::string& container,
                            const std::string& name, QueueSpec spec,
                            const std::string& device = kDevice) {
  absl::StatusOr<Opened> result = absl::InternalError("no reply");
  self->request(task, kBound, queue_atom::value, device, container, name,
                std::move(spec))
      .receive(
          [&](QueueActor& queue, QueueSpec& actual, bool created) {
            result = Opened{std::move(queue), std::move(actual), created};
          },
          [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::StatusOr<Opened> Lookup(caf::scoped_actor& self, const TaskActor& task,
                              const std::string& container,
                              const std::string& name,
                              const std::string& device = kDevice) {
  absl::StatusOr<Opened> result = absl::InternalError("no reply");
  self->request(task, kBound, lookup_atom::value, device, container, name)
      .receive(
          [&](QueueActor& queue, QueueSpec& spec) {
            result = Opened{std::move(queue), std::move(spec), false};
          },
          [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::Status Reset(caf::scoped_actor& self, const TaskActor& task,
                   std::vector<std::string> containers,
                   const std::string& device = kDevice) {
  absl::Status result = absl::InternalError("no reply");
  self->request(task, kBound, reset_atom::value, device, std::move(containers))
      .receive([&](caf::ok_atom) { result = absl::OkStatus(); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::StatusOr<std::vector<ResourceInfo>> List(
    caf::scoped_actor& self, const TaskActor& task,
    const std::string& device = kDevice) {
  absl::StatusOr<std::vector<ResourceInfo>> result =
      absl::InternalError("no reply");
  self->request(task, kBound, list_atom::value, device)
      .receive(
          [&](std::vector<ResourceInfo>& infos) { result = std::move(infos); },
          [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::Status Enqueue(caf::scoped_actor& self, const QueueActor& queue,
                     float value) {
  absl::Status result = absl::InternalError("no reply");
  self->request(queue, kBound, enqueue_atom::value, F(value), kNoTimeout)
      .receive([&](caf::ok_atom) { result = absl::OkStatus(); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::Status Close(caf::scoped_actor& self, const QueueActor& queue) {
  absl::Status result = absl::InternalError("no reply");
  self->request(queue, kBound, close_atom::value, false, kNoTimeout)
      .receive([&](caf::ok_atom) { result = absl::OkStatus(); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::StatusOr<int32_t> Size(caf::scoped_actor& self, const QueueActor& queue) {
  absl::StatusOr<int32_t> result = absl::InternalError("no reply");
  self->request(queue, kBound, size_atom::value)
      .receive([&](int32_t size) { result = size; },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

// Polls `queue` until one dequeue waits on it; false if none does within
// kBound.
bool WaitForOneDequeuer(caf::scoped_actor& self, const QueueActor& queue) {
  auto give_up = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < give_up) {
    bool waiting = false;
    bool answered = false;
    self->request(queue, kBound, describe_atom::value)
        .receive(
            [&](ResourceInfo& info) {
              answered = true;
              waiting = info.waiting_dequeues == 1;
            },
            [&](caf::error&) {});
    if (!answered) return false;
    if (waiting) return true;
  }
  return false;
}

// A dequeue sent now and answered later.
using PendingDequeue = decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<QueueActor&>(), kBound, dequeue_atom::value, kNoTimeout));

absl::Status Receive(PendingDequeue& pending) {
  absl::Status result = absl::InternalError("no reply");
  pending.receive([&](Tuple&) { result = absl::OkStatus(); },
                  [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

TEST_SUITE("actors") {
  TEST_CASE_FIXTURE(TaskFixture,
                    "lookup-or-create creates a queue once, then returns it") {
    caf::scoped_actor self{system};
    absl::StatusOr<Opened> first = Open(self, task, "", "q", Fifo(10));
    REQUIRE(first.ok());
    CHECK(first->created);
    CHECK(first->spec.capacity == 10);
    absl::StatusOr<Opened> second = Open(self, task, "", "q", Fifo(10));
    REQUIRE(second.ok());
    CHECK(!second->created);
    CHECK(second->queue == first->queue);
    absl::StatusOr<Opened> found = Lookup(self, task, "", "q");
    REQUIRE(found.ok());
    CHECK(found->queue == first->queue);
    CHECK(found->spec.dtypes == std::vector<DType>{DT_FLOAT});
    // One queue: what goes in through one handle is seen through the other.
    CHECK(Enqueue(self, first->queue, 1).ok());
    CHECK(Size(self, second->queue).value_or(-1) == 1);
    // The device may be left empty: this task.
    absl::StatusOr<Opened> here = Open(self, task, "", "q", Fifo(10), "");
    REQUIRE(here.ok());
    CHECK(here->queue == first->queue);
  }

  TEST_CASE_FIXTURE(
      TaskFixture,
      "opening a shared queue with a different spec is INVALID_ARGUMENT") {
    // testIncompatibleSharedQueueErrors.
    caf::scoped_actor self{system};
    REQUIRE(Open(self, task, "", "q_a", Fifo(10)).ok());
    CHECK(Open(self, task, "", "q_a", Fifo(15)).status().ToString() ==
          "INVALID_ARGUMENT: Shared queue 'q_a' has capacity 10 but requested "
          "capacity was 15");
    REQUIRE(Open(self, task, "", "q_b", Fifo(10, {DT_FLOAT})).ok());
    CHECK(
        Open(self, task, "", "q_b", Fifo(10, {DT_INT32})).status().ToString() ==
        "INVALID_ARGUMENT: Shared queue 'q_b' has component types float but "
        "requested "
        "component types were int32");
    REQUIRE(Open(self, task, "", "q_c", Fifo(10, {DT_FLOAT})).ok());
    CHECK(Open(self, task, "", "q_c", Fifo(10, {DT_FLOAT}, {{1, 1, 2, 3}}))
              .status()
              .ToString() ==
          "INVALID_ARGUMENT: Shared queue 'q_c' has component shapes [] but "
          "requested component "
          "shapes were [[1,1,2,3]]");
  }

  TEST_CASE_FIXTURE(TaskFixture,
                    "an invalid queue spec is refused and creates nothing") {
    caf::scoped_actor self{system};
    // Troupe has no unbounded queues.
    CHECK(CodeOf(Open(self, task, "", "q", Fifo(-1)).status()) ==
          "INVALID_ARGUMENT");
    CHECK(Open(self, task, "", "q", Fifo(10, {})).status().ToString() ==
          "INVALID_ARGUMENT: Empty component types for queue q");
    CHECK(CodeOf(Lookup(self, task, "", "q").status()) == "NOT_FOUND");
  }

  TEST_CASE_FIXTURE(TaskFixture, "looking up a missing queue is NOT_FOUND") {
    caf::scoped_actor self{system};
    absl::StatusOr<Opened> missing = Lookup(self, task, "c", "nothing");
    CHECK(CodeOf(missing.status()) == "NOT_FOUND");
    CHECK(absl::StrContains(missing.status().message(), "'nothing'"));
  }

  TEST_CASE_FIXTURE(TaskFixture,
                    "the same name in two containers is two queues") {
    caf::scoped_actor self{system};
    absl::StatusOr<Opened> in_a = Open(self, task, "a", "q", Fifo(10));
    absl::StatusOr<Opened> in_b = Open(self, task, "b", "q", Fifo(10));
    REQUIRE(in_a.ok());
    REQUIRE(in_b.ok());
    CHECK(in_a->created);
    CHECK(in_b->created);
    CHECK(in_a->queue != in_b->queue);
    CHECK(Enqueue(self, in_a->queue, 1).ok());
    CHECK(Size(self, in_a->queue).value_or(-1) == 1);
    CHECK(Size(self, in_b->queue).value_or(-1) == 0);
    // A different spec is fine in another container.
    CHECK(Open(self, task, "c", "q", Fifo(3)).ok());
  }

  TEST_CASE_FIXTURE(
      TaskFixture,
      "resetting a container cancels waiting requests and forgets its queues") {
    caf::scoped_actor self{system};
    absl::StatusOr<Opened> reset_one = Open(self, task, "c", "q", Fifo(10));
    absl::StatusOr<Opened> kept = Open(self, task, "other", "q", Fifo(10));
    REQUIRE(reset_one.ok());
    REQUIRE(kept.ok());
    QueueActor old = reset_one->queue;
    PendingDequeue pending =
        self->request(old, kBound, dequeue_atom::value, kNoTimeout);
    REQUIRE(WaitForOneDequeuer(self, old));
    CHECK(Reset(self, task, {"c"}).ok());
    absl::Status cancelled = Receive(pending);
    CHECK(CodeOf(cancelled) == "CANCELLED");
    CHECK(absl::StrContains(cancelled.message(), "container 'c' was reset"));
    // The old handle is dead: NOT_FOUND.
    CHECK(CodeOf(Size(self, old).status()) == "NOT_FOUND");
    CHECK(CodeOf(Enqueue(self, old, 1)) == "NOT_FOUND");
    CHECK(CodeOf(Lookup(self, task, "c", "q").status()) == "NOT_FOUND");
    // Other containers are untouched.
    CHECK(Enqueue(self, kept->queue, 1).ok());
    CHECK(Lookup(self, task, "other", "q").ok());
    // The name can be created again, as a new, empty queue.
    absl::StatusOr<Opened> again = Open(self, task, "c", "q", Fifo(10));
    REQUIRE(again.ok());
    CHECK(again->created);
    CHECK(again->queue != old);
    CHECK(Size(self, again->queue).value_or(-1) == 0);
  }

  TEST_CASE_FIXTURE(TaskFixture,
                    "resetting no container resets the default one") {
    caf::scoped_actor self{system};
    REQUIRE(Open(self, task, "", "q", Fifo(10)).ok());
    REQUIRE(Open(self, task, "c", "q", Fifo(10)).ok());
    CHECK(Reset(self, task, {}).ok());
    CHECK(CodeOf(Lookup(self, task, "", "q").status()) == "NOT_FOUND");
    CHECK(Lookup(self, task, "c", "q").ok());
  }

  TEST_CASE_FIXTURE(TaskFixture, "resetting a missing container is OK") {
    caf::scoped_actor self{system};
    CHECK(Reset(self, task, {"never_used"}).ok());
    CHECK(Reset(self, task, {"a", "b"}).ok());
    CHECK(
        Reset(self, task, {"my problem"}).ToString() ==
        "INVALID_ARGUMENT: container contains invalid characters: my problem");
  }

  TEST_CASE_FIXTURE(
      TaskFixture,
      "container names follow TensorFlow's rules, with '_' inside") {
    caf::scoped_actor self{system};
    CHECK(
        Open(self, task, "my problem", "q", Fifo(10)).status().ToString() ==
        "INVALID_ARGUMENT: container contains invalid characters: my problem");
    CHECK(
        Lookup(self, task, "my problem", "q").status().ToString() ==
        "INVALID_ARGUMENT: container contains invalid characters: my problem");
    absl::StatusOr<Opened> underscore =
        Open(self, task, "my_problem_1", "q", Fifo(10));
    REQUIRE(underscore.ok());
    CHECK(underscore->created);
    CHECK(Lookup(self, task, "my_problem_1", "q").ok());
  }

  TEST_CASE_FIXTURE(TaskFixture,
                    "the task refuses a shared name that starts with '_'") {
    caf::scoped_actor self{system};
    CHECK(Open(self, task, "", "_x", Fifo(10)).status().ToString() ==
          "INVALID_ARGUMENT: shared_name cannot start with '_':_x");
    CHECK(Lookup(self, task, "", "_x").status().ToString() ==
          "INVALID_ARGUMENT: shared_name cannot start with '_':_x");
    CHECK(Open(self, task, "", "x_", Fifo(10)).ok());
  }

  TEST_CASE_FIXTURE(TaskFixture, "a device outside the cluster is NOT_FOUND") {
    caf::scoped_actor self{system};
    CHECK(CodeOf(Open(self, task, "", "q", Fifo(10), "/job:nope/task:0")
                     .status()) == "NOT_FOUND");
    CHECK(CodeOf(Lookup(self, task, "", "q", "/job:nope/task:0").status()) ==
          "NOT_FOUND");
    CHECK(CodeOf(Reset(self, task, {}, "/job:nope/task:0")) == "NOT_FOUND");
    CHECK(CodeOf(List(self, task, "/job:nope/task:0").status()) == "NOT_FOUND");
    // Nothing was created on this task.
    absl::StatusOr<std::vector<ResourceInfo>> infos = List(self, task);
    REQUIRE(infos.ok());
    CHECK(infos->empty());
  }

  TEST_CASE_FIXTURE(
      TaskFixture,
      "list reports every queue with container, name, size, closed") {
    caf::scoped_actor self{system};
    absl::StatusOr<std::vector<ResourceInfo>> none = List(self, task);
    REQUIRE(none.ok());
    CHECK(none->empty());
    absl::StatusOr<Opened> a = Open(self, task, "", "a", Fifo(10));
    absl::StatusOr<Opened> b = Open(self, task, "c", "b", Fifo(5, {DT_INT32}));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(Enqueue(self, a->queue, 1).ok());
    CHECK(Enqueue(self, a->queue, 2).ok());
    CHECK(Close(self, b->queue).ok());
    absl::StatusOr<std::vector<ResourceInfo>> infos = List(self, task);
    REQUIRE(infos.ok());
    REQUIRE(infos->size() == 2);
    std::sort(infos->begin(), infos->end(),
              [](const ResourceInfo& x, const ResourceInfo& y) {
                return std::tie(x.container, x.name) <
                       std::tie(y.container, y.name);
              });
    const ResourceInfo& first = (*infos)[0];
    CHECK(first.container == "");
    CHECK(first.name == "a");
    CHECK(first.size == 2);
    CHECK(!first.closed);
    CHECK(first.spec.capacity == 10);
    const ResourceInfo& second = (*infos)[1];
    CHECK(second.container == "c");
    CHECK(second.name == "b");
    CHECK(second.size == 0);
    CHECK(second.closed);
    CHECK(second.spec.dtypes == std::vector<DType>{DT_INT32});
  }

  TEST_CASE("a task refuses to hold more than max_resources queues") {
    TestConfig config;
    caf::actor_system system{config};
    TaskActorOptions options;
    options.device = kDevice;
    options.cluster_devices = {kDevice};
    options.max_resources = 1;
    TaskActor task = SpawnTaskActor(system, options);
    {
      caf::scoped_actor self{system};
      CHECK(Open(self, task, "", "q", Fifo(10)).ok());
      CHECK(CodeOf(Open(self, task, "", "r", Fifo(10)).status()) ==
            "RESOURCE_EXHAUSTED");
      // Opening the existing one is no new resource.
      CHECK(Open(self, task, "", "q", Fifo(10)).ok());
    }
    caf::anon_send_exit(task, caf::exit_reason::user_shutdown);
  }

  TEST_CASE_FIXTURE(
      TaskFixture,
      "stopping the task cancels the requests waiting on its queues") {
    caf::scoped_actor self{system};
    absl::StatusOr<Opened> opened = Open(self, task, "", "q", Fifo(10));
    REQUIRE(opened.ok());
    PendingDequeue pending =
        self->request(opened->queue, kBound, dequeue_atom::value, kNoTimeout);
    REQUIRE(WaitForOneDequeuer(self, opened->queue));
    self->send_exit(task, caf::exit_reason::user_shutdown);
    absl::Status cancelled = Receive(pending);
    CHECK(CodeOf(cancelled) == "CANCELLED");
    CHECK(absl::StrContains(cancelled.message(), "is shutting down"));
  }

  TEST_CASE("each task actor is a new incarnation and reports its status") {
    TestConfig config;
    caf::actor_system system{config};
    TaskActorOptions options{kDevice, {kDevice}};
    options.restarts = 3;
    TaskActor first = SpawnTaskActor(system, options);
    TaskActor second = SpawnTaskActor(system, {kDevice, {kDevice}});
    {
      caf::scoped_actor self{system};
      auto status_of = [&](const TaskActor& task) {
        TaskStatus status;
        self->request(task, kBound, status_atom::value)
            .receive([&](TaskStatus& reply) { status = std::move(reply); },
                     [](caf::error&) {});
        return status;
      };
      TaskStatus one = status_of(first);
      TaskStatus two = status_of(second);
      CHECK(one.device == kDevice);
      CHECK(one.incarnation != 0);
      CHECK(two.incarnation != 0);
      CHECK(one.incarnation != two.incarnation);
      CHECK(one.uptime_ms >= 0);
      CHECK(one.restarts == 3);
      CHECK(two.restarts == -1);  // Not run by `troupe up`.
      CHECK(status_of(first).incarnation == one.incarnation);
    }
    caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(second, caf::exit_reason::user_shutdown);
  }
}

}  // namespace
}  // namespace troupe
