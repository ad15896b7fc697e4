// The queue actor in a real in-process actor system: requests and replies,
// server-side deadlines, requesters that go away, and stopping. Every wait is
// bounded by a client-side request timeout (kBound); nothing sleeps.
#include "actors/queue_actor.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "doctest/doctest.h"

#include "serialization/status_error.h"
#include "tests/actors/test_actor_system.h"

namespace troupe {
namespace {

using stop_atom = caf::atom_constant<caf::atom("stop")>;

// One actor system per test. Queues holding waiters reference themselves
// through their response promises, so the fixture stops every actor it
// spawned before the system shuts down.
class ActorSystemFixture {
 public:
  ActorSystemFixture() : system(config) {}
  ~ActorSystemFixture() {
    for (const caf::strong_actor_ptr& actor : spawned) {
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    }
  }

  QueueActor Spawn(QueueSpec spec, size_t max_waiting = kDefaultMaxWaiting) {
    QueueActor queue = SpawnQueue(system, "q", std::move(spec), max_waiting);
    spawned.push_back(caf::actor_cast<caf::strong_actor_ptr>(queue));
    return queue;
  }

  TestConfig config;
  caf::actor_system system;
  std::vector<caf::strong_actor_ptr> spawned;
};

QueueSpec Fifo(int32_t capacity, std::vector<PartialShape> shapes = {{}}) {
  QueueSpec spec;
  spec.capacity = capacity;
  spec.dtypes = {DT_FLOAT};
  spec.shapes = std::move(shapes);
  return spec;
}

Tuple F(float value) { return {Tensor::Scalar<float>(value)}; }
Tuple Fs(std::vector<float> values) {
  return {
      Tensor::FromVector<float>({static_cast<int64_t>(values.size())}, values)};
}

// "float[2]{1,2}".
std::string Show(const Tuple& tuple) {
  return absl::StrJoin(tuple, " ", [](std::string* out, const Tensor& tensor) {
    std::string values = "?";
    if (tensor.dtype() == DT_FLOAT)
      values = absl::StrJoin(tensor.flat<float>(), ",");
    absl::StrAppend(out, DTypeName(tensor.dtype()),
                    ShapeToString(tensor.shape()), "{", values, "}");
  });
}

// "OK float[]{1}" or "CODE: message".
std::string Show(const absl::StatusOr<Tuple>& result) {
  return result.ok() ? "OK " + Show(*result) : result.status().ToString();
}

std::string CodeOf(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

// Requests that answer ok_atom: enqueue, enqueue_many, close.
template <class... Ts>
absl::Status Call(caf::scoped_actor& self, const QueueActor& queue,
                  Ts&&... xs) {
  absl::Status result = absl::InternalError("no reply");
  self->request(queue, kBound, std::forward<Ts>(xs)...)
      .receive([&](caf::ok_atom) { result = absl::OkStatus(); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

// Requests that answer a Tuple: dequeue, dequeue_many, dequeue_up_to.
template <class... Ts>
absl::StatusOr<Tuple> Take(caf::scoped_actor& self, const QueueActor& queue,
                           Ts&&... xs) {
  absl::StatusOr<Tuple> result = absl::InternalError("no reply");
  self->request(queue, kBound, std::forward<Ts>(xs)...)
      .receive([&](Tuple& value) { result = std::move(value); },
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

absl::StatusOr<ResourceInfo> Describe(caf::scoped_actor& self,
                                      const QueueActor& queue) {
  absl::StatusOr<ResourceInfo> result = absl::InternalError("no reply");
  self->request(queue, kBound, describe_atom::value)
      .receive([&](ResourceInfo& info) { result = std::move(info); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

// What `queue` says about itself; the test stops if it does not answer.
ResourceInfo Info(caf::scoped_actor& self, const QueueActor& queue) {
  absl::StatusOr<ResourceInfo> info = Describe(self, queue);
  REQUIRE(info.ok());
  return *std::move(info);
}

// Asks `queue` to describe itself until `done` holds; false if it does not
// within kBound. Each question is a round trip, so this needs no sleep.
bool WaitUntil(caf::scoped_actor& self, const QueueActor& queue,
               const std::function<bool(const ResourceInfo&)>& done) {
  auto give_up = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < give_up) {
    absl::StatusOr<ResourceInfo> info = Describe(self, queue);
    if (!info.ok()) return false;
    if (done(*info)) return true;
  }
  return false;
}

bool WaitForDequeuers(caf::scoped_actor& self, const QueueActor& queue,
                      int64_t count) {
  return WaitUntil(self, queue, [count](const ResourceInfo& info) {
    return info.waiting_dequeues == count;
  });
}

// A requester that asks `queue` for `n` elements (n == 0: one plain dequeue)
// and waits until it is told to stop or is killed.
caf::behavior Requester(caf::event_based_actor* self, QueueActor queue,
                        int32_t n) {
  auto ignore = [](Tuple&) {};
  auto ignore_error = [](caf::error&) {};
  if (n == 0) {
    self->request(queue, kBound, dequeue_atom::value, kNoTimeout)
        .then(ignore, ignore_error);
  } else {
    self->request(queue, kBound, dequeue_many_atom::value, n, kNoTimeout)
        .then(ignore, ignore_error);
  }
  return {[self](stop_atom) { self->quit(); }};
}

TEST_SUITE("actors") {
  TEST_CASE_FIXTURE(ActorSystemFixture,
                    "the queue actor serves every operation in FIFO order") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(10));
    CHECK(Call(self, q, enqueue_atom::value, F(1), kNoTimeout).ok());
    CHECK(Call(self, q, enqueue_many_atom::value, Fs({2, 3, 4, 5}), kNoTimeout)
              .ok());
    CHECK(Size(self, q).value_or(-1) == 5);
    CHECK(Show(Take(self, q, dequeue_atom::value, kNoTimeout)) ==
          "OK float[]{1}");
    CHECK(Show(Take(self, q, dequeue_many_atom::value, int32_t{2},
                    kNoTimeout)) == "OK float[2]{2,3}");
    CHECK(Call(self, q, close_atom::value, false, kNoTimeout).ok());
    CHECK(Show(Take(self, q, dequeue_up_to_atom::value, int32_t{5},
                    kNoTimeout)) == "OK float[2]{4,5}");
    CHECK(Show(Take(self, q, dequeue_atom::value, kNoTimeout)) ==
          "OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient elements "
          "(requested 1, "
          "current size 0)");
    ResourceInfo info = Info(self, q);
    CHECK(info.name == "q");
    CHECK(info.closed);
    CHECK(info.size == 0);
    CHECK(info.spec.capacity == 10);
  }

  TEST_CASE_FIXTURE(ActorSystemFixture,
                    "the queue actor answers errors with TensorFlow's texts") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(10));
    absl::Status wrong_type =
        Call(self, q, enqueue_atom::value, Tuple{Tensor::Scalar<int32_t>(1)},
             kNoTimeout);
    CHECK(wrong_type.ToString() ==
          "INVALID_ARGUMENT: Type mismatch in tuple component 0. Expected "
          "float, got int32 "
          "(FIFOQueue 'q')");
    absl::StatusOr<Tuple> negative =
        Take(self, q, dequeue_many_atom::value, int32_t{-1}, kNoTimeout);
    CHECK(CodeOf(negative.status()) == "INVALID_ARGUMENT");
    CHECK(absl::StartsWith(negative.status().message(),
                           "DequeueManyOp requested -1 < 0 elements"));
    CHECK(Call(self, q, close_atom::value, false, kNoTimeout).ok());
    CHECK(Call(self, q, close_atom::value, false, kNoTimeout).ToString() ==
          "CANCELLED: Queue 'q' is already closed.");
    CHECK(Call(self, q, enqueue_atom::value, F(1), kNoTimeout).ToString() ==
          "CANCELLED: FIFOQueue 'q' is closed.");
  }

  TEST_CASE_FIXTURE(ActorSystemFixture,
                    "a waiting dequeue is answered by a later enqueue") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(10));
    auto pending = self->request(q, kBound, dequeue_atom::value, kNoTimeout);
    REQUIRE(WaitForDequeuers(self, q, 1));
    CHECK(Call(self, q, enqueue_atom::value, F(7), kNoTimeout).ok());
    absl::StatusOr<Tuple> result = absl::InternalError("no reply");
    pending.receive([&](Tuple& value) { result = std::move(value); },
                    [&](caf::error& error) { result = ToStatus(error); });
    CHECK(Show(result) == "OK float[]{7}");
  }

  TEST_CASE_FIXTURE(
      ActorSystemFixture,
      "a dequeue that times out fails DEADLINE_EXCEEDED and loses no element") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(10));
    absl::StatusOr<Tuple> timed_out =
        Take(self, q, dequeue_atom::value, int64_t{50});
    // The queue's own answer, not the client's request timeout.
    CHECK(CodeOf(timed_out.status()) == "DEADLINE_EXCEEDED");
    CHECK(absl::StartsWith(timed_out.status().message(), "Timed out after "));
    CHECK(absl::StrContains(timed_out.status().message(),
                            "waiting to dequeue from FIFOQueue 'q'"));
    CHECK(Info(self, q).waiting_dequeues == 0);
    // The next element goes to the next dequeue, not to the expired one.
    CHECK(Call(self, q, enqueue_atom::value, F(1), kNoTimeout).ok());
    CHECK(Size(self, q).value_or(-1) == 1);
    CHECK(Show(Take(self, q, dequeue_atom::value, int64_t{5000})) ==
          "OK float[]{1}");
  }

  TEST_CASE_FIXTURE(
      ActorSystemFixture,
      "an enqueue that times out on a full queue leaves the queue unchanged") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(1));
    CHECK(Call(self, q, enqueue_atom::value, F(1), kNoTimeout).ok());
    absl::Status timed_out =
        Call(self, q, enqueue_atom::value, F(2), int64_t{50});
    CHECK(CodeOf(timed_out) == "DEADLINE_EXCEEDED");
    CHECK(absl::StrContains(timed_out.message(),
                            "waiting to enqueue to FIFOQueue 'q'"));
    CHECK(Info(self, q).waiting_enqueues == 0);
    CHECK(Show(Take(self, q, dequeue_atom::value, kNoTimeout)) ==
          "OK float[]{1}");
    CHECK(Size(self, q).value_or(-1) == 0);
  }

  TEST_CASE_FIXTURE(
      ActorSystemFixture,
      "a dequeue_many that times out puts the elements it took back") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(10));
    // Requests from one sender arrive in order: the dequeue_many waits first,
    // then takes both elements. Its deadline leaves ample time for that.
    auto pending = self->request(q, kBound, dequeue_many_atom::value,
                                 int32_t{3}, int64_t{1000});
    CHECK(Call(self, q, enqueue_atom::value, F(1), kNoTimeout).ok());
    CHECK(Call(self, q, enqueue_atom::value, F(2), kNoTimeout).ok());
    CHECK(Size(self, q).value_or(-1) == 0);
    absl::Status expired = absl::InternalError("no reply");
    pending.receive([&](Tuple&) { expired = absl::OkStatus(); },
                    [&](caf::error& error) { expired = ToStatus(error); });
    CHECK(CodeOf(expired) == "DEADLINE_EXCEEDED");
    CHECK(Size(self, q).value_or(-1) == 2);
    CHECK(Show(Take(self, q, dequeue_many_atom::value, int32_t{2},
                    kNoTimeout)) == "OK float[2]{1,2}");
  }

  TEST_CASE_FIXTURE(
      ActorSystemFixture,
      "timeout_ms = 0 fails DEADLINE_EXCEEDED at once when it would wait") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(1));
    absl::StatusOr<Tuple> empty =
        Take(self, q, dequeue_atom::value, int64_t{0});
    CHECK(CodeOf(empty.status()) == "DEADLINE_EXCEEDED");
    CHECK(Info(self, q).waiting_dequeues == 0);
    // When it need not wait, it is served.
    CHECK(Call(self, q, enqueue_atom::value, F(1), int64_t{0}).ok());
    // A full queue: the enqueue fails and the queue keeps its one element.
    CHECK(CodeOf(Call(self, q, enqueue_atom::value, F(2), int64_t{0})) ==
          "DEADLINE_EXCEEDED");
    // A dequeue_many that would wait gives back what it took.
    CHECK(CodeOf(Take(self, q, dequeue_many_atom::value, int32_t{2}, int64_t{0})
                     .status()) == "DEADLINE_EXCEEDED");
    ResourceInfo info = Info(self, q);
    CHECK(info.size == 1);
    CHECK(info.waiting_enqueues == 0);
    CHECK(info.waiting_dequeues == 0);
    CHECK(Show(Take(self, q, dequeue_atom::value, int64_t{0})) ==
          "OK float[]{1}");
  }

  TEST_CASE_FIXTURE(
      ActorSystemFixture,
      "timeout_ms = 0 is decided when the request is handled, not later") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(1));
    // Both requests are in the queue's mailbox, in this order, before it
    // answers: the enqueue must not serve the dequeue that could not wait.
    auto dequeue = self->request(q, kBound, dequeue_atom::value, int64_t{0});
    auto enqueue =
        self->request(q, kBound, enqueue_atom::value, F(3), kNoTimeout);
    absl::StatusOr<Tuple> dequeued = absl::InternalError("no reply");
    dequeue.receive([&](Tuple& value) { dequeued = std::move(value); },
                    [&](caf::error& error) { dequeued = ToStatus(error); });
    CHECK(CodeOf(dequeued.status()) == "DEADLINE_EXCEEDED");
    absl::Status enqueued = absl::InternalError("no reply");
    enqueue.receive([&](caf::ok_atom) { enqueued = absl::OkStatus(); },
                    [&](caf::error& error) { enqueued = ToStatus(error); });
    CHECK(enqueued.ok());
    CHECK(Size(self, q).value_or(-1) == 1);
  }

  TEST_CASE_FIXTURE(ActorSystemFixture,
                    "a timeout below -1 is INVALID_ARGUMENT") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(1));
    CHECK(CodeOf(Take(self, q, dequeue_atom::value, int64_t{-2}).status()) ==
          "INVALID_ARGUMENT");
    CHECK(CodeOf(Call(self, q, enqueue_atom::value, F(1), int64_t{-5})) ==
          "INVALID_ARGUMENT");
    CHECK(CodeOf(Call(self, q, close_atom::value, true, int64_t{-2})) ==
          "INVALID_ARGUMENT");
    ResourceInfo info = Info(self, q);
    CHECK(info.size == 0);
    CHECK(!info.closed);
  }

  TEST_CASE_FIXTURE(ActorSystemFixture,
                    "the dequeue of a requester that quits is withdrawn and "
                    "loses no element") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(10));
    caf::actor requester = system.spawn(Requester, q, int32_t{0});
    spawned.push_back(caf::actor_cast<caf::strong_actor_ptr>(requester));
    REQUIRE(WaitForDequeuers(self, q, 1));
    self->send(requester, stop_atom::value);
    REQUIRE(WaitForDequeuers(self, q, 0));
    CHECK(Call(self, q, enqueue_atom::value, F(1), kNoTimeout).ok());
    CHECK(Show(Take(self, q, dequeue_atom::value, int64_t{5000})) ==
          "OK float[]{1}");
  }

  TEST_CASE_FIXTURE(
      ActorSystemFixture,
      "the dequeue_many of a killed requester gives back its partial batch") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(10));
    caf::actor requester = system.spawn(Requester, q, int32_t{3});
    spawned.push_back(caf::actor_cast<caf::strong_actor_ptr>(requester));
    REQUIRE(WaitForDequeuers(self, q, 1));
    CHECK(Call(self, q, enqueue_many_atom::value, Fs({1, 2}), kNoTimeout).ok());
    CHECK(Size(self, q).value_or(-1) == 0);
    self->send_exit(requester, caf::exit_reason::kill);
    REQUIRE(WaitForDequeuers(self, q, 0));
    CHECK(Size(self, q).value_or(-1) == 2);
    CHECK(Show(Take(self, q, dequeue_many_atom::value, int32_t{2},
                    int64_t{5000})) == "OK float[2]{1,2}");
  }

  TEST_CASE_FIXTURE(
      ActorSystemFixture,
      "the queue actor refuses more than max_waiting waiters with "
      "RESOURCE_EXHAUSTED") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(10), 1);
    auto pending = self->request(q, kBound, dequeue_atom::value, kNoTimeout);
    absl::StatusOr<Tuple> refused =
        Take(self, q, dequeue_atom::value, kNoTimeout);
    CHECK(CodeOf(refused.status()) == "RESOURCE_EXHAUSTED");
    CHECK(absl::StrContains(refused.status().message(),
                            "FIFOQueue 'q' (limit 1)"));
    // An operation that can be served is still served at the limit.
    CHECK(Call(self, q, enqueue_atom::value, F(1), kNoTimeout).ok());
    absl::StatusOr<Tuple> result = absl::InternalError("no reply");
    pending.receive([&](Tuple& value) { result = std::move(value); },
                    [&](caf::error& error) { result = ToStatus(error); });
    CHECK(Show(result) == "OK float[]{1}");
  }

  TEST_CASE_FIXTURE(
      ActorSystemFixture,
      "an exit with a troupe error cancels waiting requests with its text") {
    caf::scoped_actor self{system};
    QueueActor q = Spawn(Fifo(0));
    auto dequeue = self->request(q, kBound, dequeue_atom::value, kNoTimeout);
    auto enqueue =
        self->request(q, kBound, enqueue_atom::value, F(1), kNoTimeout);
    REQUIRE(WaitUntil(self, q, [](const ResourceInfo& info) {
      return info.waiting_dequeues == 1 && info.waiting_enqueues == 1;
    }));
    self->send_exit(q,
                    ToError(absl::CancelledError("container 'c' was reset")));
    absl::Status dequeued = absl::InternalError("no reply");
    dequeue.receive([&](Tuple&) { dequeued = absl::OkStatus(); },
                    [&](caf::error& error) { dequeued = ToStatus(error); });
    CHECK(
        dequeued.ToString() ==
        "CANCELLED: Dequeue operation was cancelled: container 'c' was reset");
    absl::Status enqueued = absl::InternalError("no reply");
    enqueue.receive([&](caf::ok_atom) { enqueued = absl::OkStatus(); },
                    [&](caf::error& error) { enqueued = ToStatus(error); });
    CHECK(
        enqueued.ToString() ==
        "CANCELLED: Enqueue operation was cancelled: container 'c' was reset");
    // The queue is gone: later requests fail NOT_FOUND.
    CHECK(CodeOf(Size(self, q).status()) == "NOT_FOUND");
    CHECK(CodeOf(Call(self, q, enqueue_atom::value, F(1), kNoTimeout)) ==
          "NOT_FOUND");
  }
}

}  // namespace
}  // namespace troupe
