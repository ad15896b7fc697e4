// The queue coalescer in front of a queue actor, in one actor system: many
// single operations in flight travel as one message, yet each is answered as
// it would be alone. Every wait is bounded by a request timeout (kBound).
#include "actors/queue_coalescer.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "doctest/doctest.h"

#include "actors/queue_actor.h"
#include "serialization/status_error.h"
#include "tests/actors/enqueue_at_once.h"
#include "tests/actors/test_actor_system.h"

namespace troupe {
namespace {

// A FIFOQueue of float scalars, with a coalescer in front of it. The queue
// is stopped before the system shuts down (its waiters reference it).
class CoalescerFixture {
 public:
  CoalescerFixture()
      : system(config),
        self(system),
        queue(SpawnQueue(system, "q", ScalarFifo(1), kDefaultMaxWaiting)),
        coalescer(SpawnQueueCoalescer(system, queue, "q", ScalarFifo(1))) {}
  ~CoalescerFixture() {
    caf::anon_send_exit(queue, caf::exit_reason::user_shutdown);
  }

  static QueueSpec ScalarFifo(int32_t capacity) {
    QueueSpec spec;
    spec.capacity = capacity;
    spec.dtypes = {DT_FLOAT};
    spec.shapes = {PartialShape{}};
    return spec;
  }

  // Sends single enqueues of `elements` to the coalescer, all at once, and
  // returns their answers in order ("OK" or the status).
  std::vector<std::string> EnqueueAll(std::vector<Tuple> elements,
                                      const std::function<void()>& meanwhile) {
    return EnqueueAtOnce(self, coalescer, std::move(elements), kBound,
                         meanwhile);
  }

  // `n` single dequeues through the coalescer, all at once; the values (or
  // statuses) in the order of the requests.
  std::string DequeueAll(int n) {
    std::vector<decltype(self->request(coalescer, kBound, dequeue_atom::value,
                                       kNoTimeout))>
        pending;
    for (int i = 0; i < n; ++i) {
      pending.push_back(
          self->request(coalescer, kBound, dequeue_atom::value, kNoTimeout));
    }
    std::vector<std::string> values;
    for (auto& handle : pending) {
      handle.receive(
          [&](Tuple& element) {
            values.push_back(absl::StrJoin(element[0].flat<float>(), ","));
          },
          [&](caf::error& error) {
            values.push_back(ToStatus(error).ToString());
          });
    }
    return absl::StrJoin(values, " ");
  }

  ResourceInfo Info() {
    ResourceInfo info;
    self->request(queue, kBound, describe_atom::value)
        .receive([&](ResourceInfo& answer) { info = std::move(answer); },
                 [&](caf::error&) {});
    return info;
  }

  // Asks the queue until `done` holds, at most kBound. Each question is a
  // round trip, so this needs no sleep.
  bool WaitUntil(const std::function<bool(const ResourceInfo&)>& done) {
    auto give_up = std::chrono::steady_clock::now() + kBound;
    while (std::chrono::steady_clock::now() < give_up) {
      if (done(Info())) return true;
    }
    return false;
  }

  absl::Status Direct(Tuple element) {
    absl::Status status = absl::InternalError("no reply");
    self->request(queue, kBound, enqueue_atom::value, std::move(element),
                  kNoTimeout)
        .receive([&](caf::ok_atom) { status = absl::OkStatus(); },
                 [&](caf::error& error) { status = ToStatus(error); });
    return status;
  }

  std::string DirectDequeue() {
    std::string value;
    self->request(queue, kBound, dequeue_atom::value, kNoTimeout)
        .receive(
            [&](Tuple& element) {
              value = absl::StrJoin(element[0].flat<float>(), ",");
            },
            [&](caf::error& error) { value = ToStatus(error).ToString(); });
    return value;
  }

  TestConfig config;
  caf::actor_system system;
  caf::scoped_actor self;
  QueueActor queue;
  QueueActor coalescer;
};

Tuple F(float value) { return {Tensor::Scalar<float>(value)}; }

std::vector<Tuple> Range(int first, int last) {
  std::vector<Tuple> elements;
  for (int i = first; i <= last; ++i)
    elements.push_back(F(static_cast<float>(i)));
  return elements;
}

// One operation of the differential test below.
struct RandomOp {
  enum Kind { kEnqueue, kMisfit, kDequeue } kind;
  float value;
};

// Sends `ops`, then a close, then as many dequeues as it takes to drain the
// queue and one more, from `self` to `target` all at once, and returns
// every answer in the order sent: "OK", "OK <value>" or the status.
std::vector<std::string> RunAll(caf::scoped_actor& self,
                                const QueueActor& target,
                                const std::vector<RandomOp>& ops) {
  using OkHandle = decltype(self->request(target, kBound, enqueue_atom::value,
                                          Tuple{}, kNoTimeout));
  using TupleHandle =
      decltype(self->request(target, kBound, dequeue_atom::value, kNoTimeout));
  std::vector<std::pair<size_t, OkHandle>> oks;
  std::vector<std::pair<size_t, TupleHandle>> tuples;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind == RandomOp::kDequeue) {
      tuples.emplace_back(
          i, self->request(target, kBound, dequeue_atom::value, kNoTimeout));
      continue;
    }
    Tuple element = ops[i].kind == RandomOp::kEnqueue
                        ? F(ops[i].value)
                        : Tuple{Tensor::Scalar<int32_t>(0)};
    oks.emplace_back(i, self->request(target, kBound, enqueue_atom::value,
                                      std::move(element), kNoTimeout));
  }
  oks.emplace_back(ops.size(), self->request(target, kBound, close_atom::value,
                                             false, kNoTimeout));
  size_t drain = 1;
  for (const RandomOp& op : ops) drain += op.kind == RandomOp::kEnqueue;
  for (size_t i = 0; i < drain; ++i) {
    tuples.emplace_back(
        ops.size() + 1 + i,
        self->request(target, kBound, dequeue_atom::value, kNoTimeout));
  }
  std::vector<std::string> answers(ops.size() + 1 + drain);
  auto code = [](caf::error& error) { return ToStatus(error).ToString(); };
  for (auto& [i, handle] : oks) {
    handle.receive([&, i = i](caf::ok_atom) { answers[i] = "OK"; },
                   [&, i = i](caf::error& error) { answers[i] = code(error); });
  }
  for (auto& [i, handle] : tuples) {
    handle.receive(
        [&, i = i](Tuple& element) {
          answers[i] = absl::StrCat("OK ", element[0].flat<float>()[0]);
        },
        [&, i = i](caf::error& error) { answers[i] = code(error); });
  }
  return answers;
}

TEST_SUITE("actors") {
  TEST_CASE_FIXTURE(CoalescerFixture,
                    "random operations in flight get the same answers with "
                    "and without the coalescer") {
    std::mt19937 random(20261126);
    for (int trial = 0; trial < 100; ++trial) {
      const int32_t capacity = static_cast<int32_t>(random() % 4) + 1;
      std::vector<RandomOp> ops(random() % 40 + 1);
      float next = 1;
      for (RandomOp& op : ops) {
        const uint32_t draw = random() % 10;
        op.kind = draw < 5   ? RandomOp::kEnqueue
                  : draw < 6 ? RandomOp::kMisfit
                             : RandomOp::kDequeue;
        op.value = next++;
      }
      QueueActor direct =
          SpawnQueue(system, "q", ScalarFifo(capacity), kDefaultMaxWaiting);
      QueueActor behind =
          SpawnQueue(system, "q", ScalarFifo(capacity), kDefaultMaxWaiting);
      QueueActor front =
          SpawnQueueCoalescer(system, behind, "q", ScalarFifo(capacity));
      std::vector<std::string> expected = RunAll(self, direct, ops);
      std::vector<std::string> coalesced = RunAll(self, front, ops);
      CAPTURE(trial);
      CAPTURE(capacity);
      CHECK(absl::StrJoin(coalesced, " ") == absl::StrJoin(expected, " "));
      caf::anon_send_exit(direct, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(behind, caf::exit_reason::user_shutdown);
    }
  }

  TEST_CASE_FIXTURE(CoalescerFixture,
                    "singles waiting together reach the queue as one "
                    "operation, and each is answered") {
    // The queue (capacity 1) is full: the first single waits in the queue,
    // the 49 behind it wait in the coalescer.
    REQUIRE(Direct(F(0)).ok());
    auto answers = EnqueueAll(Range(1, 50), [&] {
      REQUIRE(WaitUntil(
          [](const ResourceInfo& info) { return info.waiting_enqueues == 1; }));
      CHECK(DirectDequeue() == "0");
      // 1 is in; 2..50 arrive as one waiting operation, not 49.
      REQUIRE(WaitUntil([](const ResourceInfo& info) {
        return info.size == 1 && info.waiting_enqueues > 0;
      }));
      CHECK(Info().waiting_enqueues == 1);
      std::vector<std::string> order;
      for (int i = 1; i <= 50; ++i) order.push_back(DirectDequeue());
      CHECK(absl::StrJoin(order, " ") ==
            absl::StrJoin(
                std::vector<int>{1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                                 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
                                 41, 42, 43, 44, 45, 46, 47, 48, 49, 50},
                " "));
    });
    CHECK(answers == std::vector<std::string>(50, "OK"));
  }

  TEST_CASE_FIXTURE(CoalescerFixture,
                    "a coalesced group with an invalid element answers each "
                    "element as alone") {
    REQUIRE(Direct(F(0)).ok());
    std::vector<Tuple> elements = Range(1, 2);
    elements.push_back({Tensor::Scalar<int32_t>(3)});
    elements.push_back(F(4));
    auto answers = EnqueueAll(std::move(elements), [&] {
      REQUIRE(WaitUntil(
          [](const ResourceInfo& info) { return info.waiting_enqueues == 1; }));
      std::vector<std::string> order;
      for (int i = 0; i < 4; ++i) order.push_back(DirectDequeue());
      CHECK(absl::StrJoin(order, " ") == "0 1 2 4");
    });
    REQUIRE(answers.size() == 4);
    CHECK(answers[0] == "OK");
    CHECK(answers[1] == "OK");
    CHECK(answers[2] ==
          "INVALID_ARGUMENT: Type mismatch in tuple component 0. Expected "
          "float, got int32 (FIFOQueue 'q')");
    CHECK(answers[3] == "OK");
  }

  TEST_CASE_FIXTURE(CoalescerFixture,
                    "dequeues waiting together are served in order, and a "
                    "close waits behind the enqueues sent before it") {
    auto answers = EnqueueAll(Range(1, 3), [&] {
      auto closed = self->request(coalescer, kBound, close_atom::value, false,
                                  kNoTimeout);
      CHECK(DequeueAll(3) == "1 2 3");
      absl::Status status = absl::InternalError("no reply");
      closed.receive([&](caf::ok_atom) { status = absl::OkStatus(); },
                     [&](caf::error& error) { status = ToStatus(error); });
      CHECK(status.ok());
    });
    CHECK(answers == std::vector<std::string>(3, "OK"));
    CHECK(DequeueAll(2) ==
          "OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements (requested 1, current size 0) OUT_OF_RANGE: FIFOQueue 'q' "
          "is closed and has insufficient elements (requested 1, current size "
          "0)");
  }

  TEST_CASE_FIXTURE(CoalescerFixture,
                    "a close that cancels pending enqueues is not held behind "
                    "enqueues waiting for room") {
    REQUIRE(Direct(F(0)).ok());
    std::vector<decltype(self->request(coalescer, kBound, enqueue_atom::value,
                                       Tuple{}, kNoTimeout))>
        enqueues;
    for (float value : {1.0f, 2.0f, 3.0f}) {
      enqueues.push_back(self->request(coalescer, kBound, enqueue_atom::value,
                                       F(value), kNoTimeout));
    }
    absl::Status closed = absl::InternalError("no reply");
    self->request(coalescer, kBound, close_atom::value, true, kNoTimeout)
        .receive([&](caf::ok_atom) { closed = absl::OkStatus(); },
                 [&](caf::error& error) { closed = ToStatus(error); });
    CHECK(closed.ok());
    for (auto& enqueue : enqueues) {
      std::string answer;
      enqueue.receive(
          [&](caf::ok_atom) { answer = "OK"; },
          [&](caf::error& error) { answer = ToStatus(error).ToString(); });
      CHECK(answer == "CANCELLED: Enqueue operation was cancelled");
    }
    CHECK(DequeueAll(2) ==
          "0 OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements (requested 1, current size 0)");
  }

  TEST_CASE_FIXTURE(CoalescerFixture,
                    "enqueues on their way or held fail UNAVAILABLE when the "
                    "queue is gone") {
    REQUIRE(Direct(F(0)).ok());
    auto on_the_way =
        self->request(coalescer, kBound, enqueue_atom::value, F(1), kNoTimeout);
    auto held =
        self->request(coalescer, kBound, enqueue_atom::value, F(2), kNoTimeout);
    REQUIRE(WaitUntil(
        [](const ResourceInfo& info) { return info.waiting_enqueues == 1; }));
    caf::anon_send_exit(queue, caf::exit_reason::kill);
    for (auto* handle : {&on_the_way, &held}) {
      std::string code;
      handle->receive([&](caf::ok_atom) { code = "OK"; },
                      [&](caf::error& error) {
                        code = absl::StatusCodeToString(ToStatus(error).code());
                      });
      CHECK(code == "UNAVAILABLE");
    }
  }

  TEST_CASE_FIXTURE(CoalescerFixture,
                    "waiting singles fail UNAVAILABLE when the queue is gone") {
    auto waiting =
        self->request(coalescer, kBound, dequeue_atom::value, kNoTimeout);
    auto behind =
        self->request(coalescer, kBound, dequeue_atom::value, kNoTimeout);
    REQUIRE(WaitUntil(
        [](const ResourceInfo& info) { return info.waiting_dequeues == 1; }));
    caf::anon_send_exit(queue, caf::exit_reason::kill);
    for (auto* handle : {&waiting, &behind}) {
      std::string code;
      handle->receive([&](Tuple&) { code = "OK"; },
                      [&](caf::error& error) {
                        code = absl::StatusCodeToString(ToStatus(error).code());
                      });
      CHECK(code == "UNAVAILABLE");
    }
  }
}

}  // namespace
}  // namespace troupe
