// Integration tests of the blocking C++ API (cluster/session.h,
// cluster/queue.h) against real `troupe task` processes on loopback ports:
// the loader/trainer pipeline, concurrent sessions, blocking and unblocking
// across processes, close, timeouts, bad input and hostile connections.
//
// Every blocking call carries a timeout, so that a failing test ends rather
// than hangs; waiting for a state is done by polling the task (`list`).
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them:
// doctest_discover_tests names CTest tests after the bare test cases.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"
#include "doctest/doctest.h"

#include "base/status_macros.h"
#include "cluster/queue.h"
#include "cluster/session.h"
#include "serialization/status_error.h"
#include "tests/actors/enqueue_at_once.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/session_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using testing::Find;
using testing::IsReady;
using testing::LocalCluster;
using testing::ReadyWithin;
using testing::StatusOf;
using testing::WaitForWaiters;
using testing::WaitUntil;

// The bound on every blocking call of these tests.
const absl::Duration kLong = absl::Seconds(15);
constexpr char kDevice[] = "/job:ps/task:0";

// Training instance i: the float32 pair [2i+1, 2i+2].
Tensor Instance(int i) {
  return Tensor::FromVector<float>({2}, {2.0f * i + 1, 2.0f * i + 2});
}

// Instances first .. first+count-1 as one [count, 2] batch.
Tensor Instances(int first, int count) {
  std::vector<float> values;
  for (int i = first; i < first + count; ++i) {
    values.push_back(2.0f * i + 1);
    values.push_back(2.0f * i + 2);
  }
  return Tensor::FromVector<float>({count, 2}, values);
}

std::vector<float> FloatsOf(const Tensor& tensor) {
  auto values = tensor.flat<float>();
  return std::vector<float>(values.begin(), values.end());
}

Tensor Ints(const std::vector<int32_t>& values) {
  return Tensor::FromVector<int32_t>({static_cast<int64_t>(values.size())},
                                     values);
}

std::vector<int32_t> IntsOf(const Tensor& tensor) {
  auto values = tensor.flat<int32_t>();
  return std::vector<int32_t>(values.begin(), values.end());
}

// The chapter's queue: float32 pairs on the ps task.
QueueOptions PairQueue(const std::string& name, int32_t capacity) {
  return QueueOptions{capacity, {DT_FLOAT}, {{2}}, name, kDevice, ""};
}

// Sends `count` enqueues of Instance(i) to `handle` at once, the one at
// `misfit` of the wrong shape; each answer in order: "OK" or the error.
// `drop` is called once they are sent, before any answer is read; it may
// end `handle`.
std::vector<std::string> EnqueueBurst(
    caf::scoped_actor& self, const QueueActor& handle, int count, int misfit,
    const std::function<void()>& drop = [] {}) {
  std::vector<Tuple> elements;
  for (int i = 0; i < count; ++i) {
    elements.push_back({i == misfit ? Tensor::FromVector<float>({3}, {0, 0, 0})
                                    : Instance(i)});
  }
  return EnqueueAtOnce(self, handle, std::move(elements),
                       std::chrono::seconds(15), drop);
}

// A queue of int32 scalars on the ps task.
QueueOptions IntQueue(const std::string& name, int32_t capacity) {
  return QueueOptions{capacity, {DT_INT32}, {PartialShape{}},
                      name,     kDevice,    ""};
}

// The TCP ports process `pid` listens on, from /proc: its socket inodes,
// matched against the kernel's table of listening sockets (state 0A).
std::set<uint16_t> ListeningPorts(pid_t pid) {
  std::set<std::string> inodes;
  for (const auto& entry : std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/fd"))) {
    std::error_code error;
    const std::string link =
        std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && absl::StartsWith(link, "socket:[")) {
      inodes.insert(link.substr(8, link.size() - 9));
    }
  }
  std::set<uint16_t> ports;
  for (const char* table : {"tcp", "tcp6"}) {
    std::ifstream lines(absl::StrCat("/proc/", pid, "/net/", table));
    std::string line;
    std::getline(lines, line);  // The column names.
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid,
          timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >>
          retransmits >> uid >> timeout >> inode;
      if (state == "0A" && inodes.count(inode) > 0) {
        ports.insert(static_cast<uint16_t>(
            std::stoul(local.substr(local.rfind(':') + 1), nullptr, 16)));
      }
    }
  }
  return ports;
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: a loader and a trainer pass every instance once and in order") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    constexpr int kInstances =
        23;  // More than the capacity: enqueue_many waits for room.
    constexpr int kBatch = 3;

    auto loader = std::async(std::launch::async, [&]() -> absl::Status {
      Session session(cluster.target());
      FIFOQueue q(session, PairQueue("shared_q", 10));
      for (int i = 0; i < 3; ++i)
        TROUPE_RETURN_IF_ERROR(q.enqueue({Instance(i)}, kLong));
      TROUPE_RETURN_IF_ERROR(
          q.enqueue_many({Instances(3, kInstances - 3)}, kLong));
      return q.close(false, kLong);
    });

    Session session(cluster.target());
    FIFOQueue q(session, PairQueue("shared_q", 10));
    std::vector<float> received;
    absl::Status end;
    while (true) {
      auto batch = q.dequeue_many(kBatch, kLong);
      if (!batch.ok()) {
        end = batch.status();
        break;
      }
      REQUIRE(batch->size() == 1);
      CHECK((*batch)[0].shape() == Shape{kBatch, 2});
      for (float value : FloatsOf((*batch)[0])) received.push_back(value);
    }
    CHECK_STATUS(end, "OUT_OF_RANGE",
                 "is closed and has insufficient elements");
    CHECK(received.size() == 2 * (kInstances / kBatch) * kBatch);

    std::vector<int64_t> tail_sizes;
    while (true) {
      auto rest = q.dequeue_up_to(kBatch, kLong);
      if (!rest.ok()) {
        end = rest.status();
        break;
      }
      tail_sizes.push_back((*rest)[0].shape()[0]);
      for (float value : FloatsOf((*rest)[0])) received.push_back(value);
    }
    CHECK_STATUS(end, "OUT_OF_RANGE",
                 "is closed and has insufficient elements");
    CHECK(tail_sizes == std::vector<int64_t>{kInstances % kBatch});

    REQUIRE(ReadyWithin(loader, kLong));
    REQUIRE_OK(loader.get());
    std::vector<float> expected = FloatsOf(Instances(0, kInstances));
    CHECK(received == expected);
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 0);
  }

  TEST_CASE(
      "cluster: concurrent producers and consumers in their own sessions lose "
      "nothing") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    constexpr int kProducers = 4;
    constexpr int kConsumers = 3;
    constexpr int kPerProducer = 240;
    constexpr int kChunk = 12;
    constexpr int kBatch = 8;
    constexpr int32_t kStride = 100000;  // Producer p enqueues p * kStride + i.
    const QueueOptions options = IntQueue("work", 16);

    struct Consumed {
      absl::Status end;
      std::vector<int32_t> values;
    };
    std::vector<std::future<Consumed>> consumers;
    for (int c = 0; c < kConsumers; ++c) {
      consumers.push_back(std::async(std::launch::async, [&] {
        Consumed consumed;
        Session session(cluster.target());
        FIFOQueue q(session, options);
        for (bool batches = true;;) {
          auto batch = batches ? q.dequeue_many(kBatch, kLong)
                               : q.dequeue_up_to(kBatch, kLong);
          if (absl::IsOutOfRange(batch.status()) && batches) {
            batches = false;  // Drain what is left, if anything.
            continue;
          }
          if (!batch.ok()) {
            consumed.end = batch.status();
            return consumed;
          }
          for (int32_t value : IntsOf((*batch)[0]))
            consumed.values.push_back(value);
        }
      }));
    }
    std::vector<std::future<absl::Status>> producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.push_back(
          std::async(std::launch::async, [&, p]() -> absl::Status {
            Session session(cluster.target());
            FIFOQueue q(session, options);
            for (int start = 0; start < kPerProducer; start += kChunk) {
              std::vector<int32_t> chunk;
              for (int i = start; i < start + kChunk; ++i)
                chunk.push_back(p * kStride + i);
              TROUPE_RETURN_IF_ERROR(q.enqueue_many({Ints(chunk)}, kLong));
            }
            return absl::OkStatus();
          }));
    }
    for (auto& producer : producers) {
      REQUIRE(ReadyWithin(producer, absl::Seconds(30)));
      REQUIRE_OK(producer.get());
    }
    {
      Session session(cluster.target());
      FIFOQueue q(session, options);
      REQUIRE_OK(q.close(false, kLong));
    }

    std::vector<int32_t> all;
    for (auto& consumer : consumers) {
      REQUIRE(ReadyWithin(consumer, kLong));
      Consumed consumed = consumer.get();
      CHECK_STATUS(consumed.end, "OUT_OF_RANGE", "is closed");
      // Each consumer sees a subsequence of the queue's order, so every
      // producer's elements reach it in the order they were enqueued.
      std::map<int32_t, int32_t> last_of_producer;
      for (int32_t value : consumed.values) {
        int32_t producer = value / kStride;
        auto last = last_of_producer.find(producer);
        if (last != last_of_producer.end()) {
          INFO("producer ", producer, ": ", value, " after ", last->second);
          CHECK(value > last->second);
        }
        last_of_producer[producer] = value;
      }
      all.insert(all.end(), consumed.values.begin(), consumed.values.end());
    }
    std::vector<int32_t> expected;
    for (int p = 0; p < kProducers; ++p) {
      for (int i = 0; i < kPerProducer; ++i)
        expected.push_back(p * kStride + i);
    }
    std::sort(all.begin(), all.end());
    CHECK(all.size() == expected.size());
    CHECK(all == expected);  // No loss and no duplicate.
  }

  TEST_CASE(
      "cluster: a dequeue blocks until another session enqueues and vice "
      "versa") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session consumer_session(cluster.target());
    Session producer_session(cluster.target());
    Session observer(cluster.target());
    FIFOQueue consumer(consumer_session, IntQueue("q", 2));
    FIFOQueue producer(producer_session, IntQueue("q", 2));
    REQUIRE_OK(consumer.size());  // Creates the queue.

    // A dequeue on the empty queue waits for an enqueue from another session.
    auto dequeued =
        std::async(std::launch::async, [&] { return consumer.dequeue(kLong); });
    REQUIRE(WaitForWaiters(observer, "q", 1, 0));
    CHECK_FALSE(IsReady(dequeued));
    REQUIRE_OK(producer.enqueue({Tensor::Scalar<int32_t>(7)}, kLong));
    REQUIRE(ReadyWithin(dequeued, kLong));
    auto element = dequeued.get();
    REQUIRE_OK(element);
    CHECK(IntsOf((*element)[0]) == std::vector<int32_t>{7});

    // An enqueue on the full queue waits for a dequeue from another session.
    REQUIRE_OK(producer.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
    REQUIRE_OK(producer.enqueue({Tensor::Scalar<int32_t>(2)}, kLong));
    auto enqueued = std::async(std::launch::async, [&] {
      return producer.enqueue({Tensor::Scalar<int32_t>(3)}, kLong);
    });
    REQUIRE(WaitForWaiters(observer, "q", 0, 1));
    CHECK_FALSE(IsReady(enqueued));
    auto first = consumer.dequeue(kLong);
    REQUIRE_OK(first);
    CHECK(IntsOf((*first)[0]) == std::vector<int32_t>{1});
    REQUIRE(ReadyWithin(enqueued, kLong));
    REQUIRE_OK(enqueued.get());
    auto rest = consumer.dequeue_many(2, kLong);
    REQUIRE_OK(rest);
    CHECK(IntsOf((*rest)[0]) == std::vector<int32_t>{2, 3});

    // A dequeue_many waits for a whole batch, enqueued in several steps.
    auto batch = std::async(std::launch::async,
                            [&] { return consumer.dequeue_many(3, kLong); });
    REQUIRE(WaitForWaiters(observer, "q", 1, 0));
    REQUIRE_OK(producer.enqueue_many({Ints({4, 5})}, kLong));
    CHECK_FALSE(IsReady(batch));
    REQUIRE_OK(producer.enqueue({Tensor::Scalar<int32_t>(6)}, kLong));
    REQUIRE(ReadyWithin(batch, kLong));
    auto three = batch.get();
    REQUIRE_OK(three);
    CHECK(IntsOf((*three)[0]) == std::vector<int32_t>{4, 5, 6});
  }

  TEST_CASE(
      "cluster: close over the wire cancels later enqueues and lets dequeues "
      "drain") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, IntQueue("q", 5));
    REQUIRE_OK(q.enqueue_many({Ints({1, 2})}, kLong));
    auto closed = q.is_closed();
    REQUIRE_OK(closed);
    CHECK_FALSE(*closed);
    REQUIRE_OK(q.close(false, kLong));
    closed = q.is_closed();
    REQUIRE_OK(closed);
    CHECK(*closed);

    CHECK_STATUS(q.enqueue({Tensor::Scalar<int32_t>(3)}, kLong), "CANCELLED",
                 "FIFOQueue 'q' is closed.");
    CHECK_STATUS(q.enqueue_many({Ints({3, 4})}, kLong), "CANCELLED",
                 "is closed.");
    CHECK_STATUS(q.close(false, kLong), "CANCELLED",
                 "Queue 'q' is already closed.");
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 2);

    // The elements stay and can be dequeued; then OUT_OF_RANGE.
    auto one = q.dequeue(kLong);
    REQUIRE_OK(one);
    CHECK(IntsOf((*one)[0]) == std::vector<int32_t>{1});
    CHECK_STATUS(q.dequeue_many(2, kLong), "OUT_OF_RANGE",
                 "is closed and has insufficient elements (requested 2, "
                 "current size 1)");
    auto two = q.dequeue(kLong);
    REQUIRE_OK(two);
    CHECK(IntsOf((*two)[0]) == std::vector<int32_t>{2});
    CHECK_STATUS(q.dequeue(kLong), "OUT_OF_RANGE",
                 "is closed and has insufficient elements (requested 1, "
                 "current size 0)");

    // A dequeue waiting on an empty queue fails when another session closes it.
    Session other(cluster.target());
    FIFOQueue empty(session, IntQueue("empty", 5));
    FIFOQueue empty_other(other, IntQueue("empty", 5));
    REQUIRE_OK(empty.size());
    auto waiting =
        std::async(std::launch::async, [&] { return empty.dequeue(kLong); });
    REQUIRE(WaitForWaiters(other, "empty", 1, 0));
    REQUIRE_OK(empty_other.close(false, kLong));
    REQUIRE(ReadyWithin(waiting, kLong));
    CHECK_STATUS(waiting.get(), "OUT_OF_RANGE",
                 "is closed and has insufficient elements");
  }

  TEST_CASE(
      "cluster: close honours a pending enqueue and close with cancel cancels "
      "it") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    Session other(cluster.target());

    SUBCASE("a plain close waits behind the pending enqueue, which succeeds") {
      FIFOQueue q(session, IntQueue("honour", 1));
      FIFOQueue q_other(other, IntQueue("honour", 1));
      REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
      auto pending = std::async(std::launch::async, [&] {
        return q.enqueue({Tensor::Scalar<int32_t>(2)}, kLong);
      });
      REQUIRE(WaitForWaiters(other, "honour", 0, 1));
      auto closing = std::async(std::launch::async,
                                [&] { return q_other.close(false, kLong); });
      REQUIRE(WaitForWaiters(other, "honour", 0,
                             2));  // The close waits behind the enqueue.
      auto closed = q_other.is_closed();
      REQUIRE_OK(closed);
      CHECK_FALSE(*closed);
      CHECK_FALSE(IsReady(pending));
      CHECK_FALSE(IsReady(closing));

      auto first = q_other.dequeue(kLong);
      REQUIRE_OK(first);
      CHECK(IntsOf((*first)[0]) == std::vector<int32_t>{1});
      REQUIRE(ReadyWithin(pending, kLong));
      REQUIRE_OK(pending.get());
      REQUIRE(ReadyWithin(closing, kLong));
      REQUIRE_OK(closing.get());
      auto second = q_other.dequeue(kLong);
      REQUIRE_OK(second);
      CHECK(IntsOf((*second)[0]) == std::vector<int32_t>{2});
      CHECK_STATUS(q_other.dequeue(kLong), "OUT_OF_RANGE", "is closed");
    }

    SUBCASE("close with cancel_pending_enqueues cancels the pending enqueue") {
      FIFOQueue q(session, IntQueue("cancel", 1));
      FIFOQueue q_other(other, IntQueue("cancel", 1));
      REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
      auto pending = std::async(std::launch::async, [&] {
        return q.enqueue({Tensor::Scalar<int32_t>(2)}, kLong);
      });
      REQUIRE(WaitForWaiters(other, "cancel", 0, 1));
      REQUIRE_OK(q_other.close(/*cancel_pending_enqueues=*/true, kLong));
      REQUIRE(ReadyWithin(pending, kLong));
      CHECK_STATUS(pending.get(), "CANCELLED",
                   "Enqueue operation was cancelled");
      auto size = q_other.size();
      REQUIRE_OK(size);
      CHECK(*size == 1);
      auto first = q_other.dequeue(kLong);
      REQUIRE_OK(first);
      CHECK(IntsOf((*first)[0]) == std::vector<int32_t>{1});
      CHECK_STATUS(q_other.dequeue(kLong), "OUT_OF_RANGE", "is closed");
    }
  }

  TEST_CASE(
      "cluster: close restores a partial dequeue_many and dequeue_up_to gets "
      "the rest") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    Session other(cluster.target());

    SUBCASE("a waiting dequeue_many gives its partial batch back on close") {
      FIFOQueue q(session, IntQueue("partial", 4));
      FIFOQueue q_other(other, IntQueue("partial", 4));
      REQUIRE_OK(q.enqueue_many({Ints({10, 20, 30})}, kLong));
      auto many = std::async(std::launch::async,
                             [&] { return q.dequeue_many(4, kLong); });
      // The dequeue_many holds all three elements while it waits for a fourth.
      REQUIRE(WaitUntil([&] {
        auto info = Find(other, "partial");
        return info && info->waiting_dequeues == 1 && info->size == 0;
      }));
      REQUIRE_OK(q_other.close(false, kLong));
      REQUIRE(ReadyWithin(many, kLong));
      CHECK_STATUS(many.get(), "OUT_OF_RANGE",
                   "is closed and has insufficient elements (requested 1, "
                   "current size 0)");
      auto size = q_other.size();
      REQUIRE_OK(size);
      CHECK(*size == 3);
      auto restored = q_other.dequeue_many(3, kLong);
      REQUIRE_OK(restored);
      CHECK(IntsOf((*restored)[0]) == std::vector<int32_t>{10, 20, 30});
    }

    SUBCASE("dequeue_up_to returns the remainder of a closed queue") {
      FIFOQueue q(session, IntQueue("up_to", 5));
      REQUIRE_OK(q.enqueue_many({Ints({10, 20, 30, 40})}, kLong));
      REQUIRE_OK(q.close(false, kLong));
      auto three = q.dequeue_up_to(3, kLong);
      REQUIRE_OK(three);
      CHECK(IntsOf((*three)[0]) == std::vector<int32_t>{10, 20, 30});
      auto last = q.dequeue_up_to(3, kLong);
      REQUIRE_OK(last);
      CHECK((*last)[0].shape() == Shape{1});
      CHECK(IntsOf((*last)[0]) == std::vector<int32_t>{40});
      CHECK_STATUS(q.dequeue_up_to(3, kLong), "OUT_OF_RANGE",
                   "is closed and has insufficient elements");
    }

    SUBCASE(
        "a waiting dequeue_up_to returns what it holds when the queue closes") {
      FIFOQueue q(session, IntQueue("up_to_waiting", 5));
      FIFOQueue q_other(other, IntQueue("up_to_waiting", 5));
      REQUIRE_OK(q.enqueue_many({Ints({1, 2})}, kLong));
      auto up_to = std::async(std::launch::async,
                              [&] { return q.dequeue_up_to(5, kLong); });
      REQUIRE(WaitUntil([&] {
        auto info = Find(other, "up_to_waiting");
        return info && info->waiting_dequeues == 1 && info->size == 0;
      }));
      REQUIRE_OK(q_other.close(false, kLong));
      REQUIRE(ReadyWithin(up_to, kLong));
      auto rest = up_to.get();
      REQUIRE_OK(rest);
      CHECK(IntsOf((*rest)[0]) == std::vector<int32_t>{1, 2});
    }
  }

  TEST_CASE(
      "cluster: a timed-out dequeue fails DEADLINE_EXCEEDED and loses "
      "nothing") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, IntQueue("q", 2));

    auto start = std::chrono::steady_clock::now();
    CHECK_STATUS(q.dequeue(absl::Milliseconds(100)), "DEADLINE_EXCEEDED",
                 "Timed out");
    CHECK(std::chrono::steady_clock::now() - start >=
          std::chrono::milliseconds(100));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(42)}, kLong));
    auto element = q.dequeue(kLong);
    REQUIRE_OK(element);
    CHECK(IntsOf((*element)[0]) == std::vector<int32_t>{42});

    // A dequeue_many that times out with a partial batch puts it back.
    REQUIRE_OK(q.enqueue_many({Ints({1, 2})}, kLong));
    CHECK_STATUS(q.dequeue_many(3, absl::Milliseconds(100)),
                 "DEADLINE_EXCEEDED", "Timed out");
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 2);
    // An enqueue that times out on the full queue adds nothing.
    CHECK_STATUS(
        q.enqueue({Tensor::Scalar<int32_t>(3)}, absl::Milliseconds(100)),
        "DEADLINE_EXCEEDED", "Timed out");
    auto both = q.dequeue_many(2, kLong);
    REQUIRE_OK(both);
    CHECK(IntsOf((*both)[0]) == std::vector<int32_t>{1, 2});
    size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 0);
    auto info = Find(session, "q");
    REQUIRE(info.has_value());
    CHECK(info->waiting_dequeues == 0);
    CHECK(info->waiting_enqueues == 0);
  }

  TEST_CASE(
      "cluster: bad input through the C++ API fails INVALID_ARGUMENT and "
      "changes nothing") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, PairQueue("q", 5));
    REQUIRE_OK(q.enqueue_many({Instances(0, 2)}, kLong));

    // Checks that q still holds its two instances and serves requests.
    auto unchanged = [&] {
      auto size = q.size();
      REQUIRE_OK(size);
      CHECK(*size == 2);
      auto info = Find(session, "q");
      REQUIRE(info.has_value());
      CHECK(info->waiting_enqueues == 0);
      CHECK(info->waiting_dequeues == 0);
    };

    SUBCASE("a tensor of the wrong dtype") {
      CHECK_STATUS(q.enqueue({Tensor::FromVector<int32_t>({2}, {1, 2})}, kLong),
                   "INVALID_ARGUMENT", "Type mismatch in tuple component 0");
      CHECK_STATUS(
          q.enqueue_many({Tensor::FromVector<double>({1, 2}, {1, 2})}, kLong),
          "INVALID_ARGUMENT", "Type mismatch in tuple component 0");
    }
    SUBCASE("a tensor of the wrong shape") {
      CHECK_STATUS(
          q.enqueue({Tensor::FromVector<float>({3}, {1, 2, 3})}, kLong),
          "INVALID_ARGUMENT", "Shape mismatch in tuple component 0");
      CHECK_STATUS(
          q.enqueue_many(
              {Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6})}, kLong),
          "INVALID_ARGUMENT", "Shape mismatch in tuple component 0");
      CHECK_STATUS(q.enqueue_many({Tensor::Scalar<float>(1)}, kLong),
                   "INVALID_ARGUMENT", "batch dimension");
    }
    SUBCASE("the wrong number of components") {
      CHECK_STATUS(q.enqueue({Instance(5), Instance(6)}, kLong),
                   "INVALID_ARGUMENT",
                   "Wrong number of components in tuple. Expected 1, got 2");
      CHECK_STATUS(q.enqueue({}, kLong), "INVALID_ARGUMENT",
                   "Wrong number of components in tuple. Expected 1, got 0");
    }
    SUBCASE("a negative count") {
      CHECK_STATUS(q.dequeue_many(-1, kLong), "INVALID_ARGUMENT",
                   "DequeueManyOp requested -1 < 0 elements");
      CHECK_STATUS(q.dequeue_up_to(-2, kLong), "INVALID_ARGUMENT",
                   "DequeueUpToOp requested -2 < 0 elements");
    }
    SUBCASE("a tensor whose bytes do not match its shape") {
      // Too few bytes for a float32 [2] ...
      CHECK_STATUS(
          q.enqueue({Tensor::FromBytes(DT_FLOAT, {2}, std::vector<char>(4))},
                    kLong),
          "INVALID_ARGUMENT", "component 0");
      // ... too many ...
      CHECK_STATUS(
          q.enqueue({Tensor::FromBytes(DT_FLOAT, {2}, std::vector<char>(12))},
                    kLong),
          "INVALID_ARGUMENT", "component 0");
      // ... and a batch whose buffer is short.
      CHECK_STATUS(q.enqueue_many({Tensor::FromBytes(DT_FLOAT, {3, 2},
                                                     std::vector<char>(16))},
                                  kLong),
                   "INVALID_ARGUMENT", "component 0");
    }
    SUBCASE("a spec that differs from the shared queue's or is invalid") {
      FIFOQueue bigger(session, PairQueue("q", 6));
      CHECK_STATUS(
          bigger.size(), "INVALID_ARGUMENT",
          "Shared queue 'q' has capacity 5 but requested capacity was 6");
      FIFOQueue unbounded(session, PairQueue("unbounded", -1));
      CHECK_STATUS(unbounded.size(), "INVALID_ARGUMENT", "capacity");
      CHECK_FALSE(Find(session, "unbounded").has_value());
    }
    unchanged();
    auto batch = q.dequeue_many(2, kLong);
    REQUIRE_OK(batch);
    CHECK(FloatsOf((*batch)[0]) == FloatsOf(Instances(0, 2)));
  }

  TEST_CASE(
      "cluster: a killed task fails waiting calls UNAVAILABLE and a restarted "
      "one serves") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    Session observer(cluster.target());
    FIFOQueue q(session, IntQueue("q", 2));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
    FIFOQueue other(session, IntQueue("other", 2));
    auto waiting =
        std::async(std::launch::async, [&] { return other.dequeue(kLong); });
    REQUIRE(WaitForWaiters(observer, "other", 1, 0));

    testing::Process& task = cluster.task()->process();
    task.Signal(SIGKILL);
    REQUIRE(task.WaitExit(kLong).has_value());
    // The waiting call learns of the lost connection; it does not hang.
    REQUIRE(ReadyWithin(waiting, absl::Seconds(10)));
    CHECK_STATUS(waiting.get(), "UNAVAILABLE", "");
    CHECK_STATUS(q.size(), "UNAVAILABLE", "");
    CHECK_STATUS(observer.list(), "UNAVAILABLE", "");

    // A task restarted on the same address serves the same sessions again,
    // with new, empty queues: an old handle says so once (ABORTED).
    testing::TaskProcess restarted(
        cluster.spec_path(), "ps", 0,
        cluster.dir().path() + "/ps-0-restarted.log");
    REQUIRE_MESSAGE(restarted.WaitReady(), restarted.Log());
    CHECK_STATUS(q.size(), "ABORTED", "restarted");
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 0);
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(2)}, kLong));
    auto element = q.dequeue(kLong);
    REQUIRE_OK(element);
    CHECK(IntsOf((*element)[0]) == std::vector<int32_t>{2});
    auto info = Find(observer, "q");
    REQUIRE(info.has_value());
    CHECK(info->size == 0);
  }

  TEST_CASE(
      "cluster: a session's calls waiting on a lost task all fail, and a "
      "closed session cancels its waiting call") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session observer(cluster.target());
    {
      auto closing = std::make_unique<Session>(cluster.target());
      FIFOQueue q(*closing, IntQueue("closing", 2));
      auto waiting =
          std::async(std::launch::async, [&] { return q.dequeue(kLong); });
      REQUIRE(WaitForWaiters(observer, "closing", 1, 0));
      closing.reset();
      REQUIRE(ReadyWithin(waiting, absl::Seconds(10)));
      CHECK_STATUS(waiting.get(), "CANCELLED", "");
    }

    // Three threads wait on each of two queues of one session.
    Session session(cluster.target());
    FIFOQueue a(session, IntQueue("a", 2));
    FIFOQueue b(session, IntQueue("b", 2));
    std::vector<std::future<absl::StatusOr<Tuple>>> waiting;
    for (int i = 0; i < 3; ++i) {
      waiting.push_back(
          std::async(std::launch::async, [&] { return a.dequeue(kLong); }));
      waiting.push_back(
          std::async(std::launch::async, [&] { return b.dequeue(kLong); }));
    }
    REQUIRE(WaitForWaiters(observer, "a", 3, 0));
    REQUIRE(WaitForWaiters(observer, "b", 3, 0));
    testing::Process& task = cluster.task()->process();
    task.Signal(SIGKILL);
    REQUIRE(task.WaitExit(kLong).has_value());
    for (auto& call : waiting) {
      REQUIRE(ReadyWithin(call, absl::Seconds(10)));
      CHECK_STATUS(call.get(), "UNAVAILABLE", "");
    }
  }

  TEST_CASE(
      "cluster: a task started with only TF_CONFIG serves the task it names") {
    LocalCluster cluster({{"ps", 2}}, /*start=*/false);
    const std::string tf_config = absl::StrCat(
        R"({"cluster": {"ps": [")", cluster.target("ps", 0), R"(", ")",
        cluster.target("ps", 1), R"("]}, "task": {"type": "ps", "index": 1}})");
    REQUIRE(setenv("TF_CONFIG", tf_config.c_str(), 1) == 0);
    testing::Process task({testing::TroupeBinary(), "task"},
                          cluster.dir().path() + "/tf_config.log");
    unsetenv("TF_CONFIG");
    REQUIRE_MESSAGE(task.WaitForLog({"troupe task /job:ps/task:1 serving on " +
                                     cluster.target("ps", 1)}),
                    task.Log());
    Session session(cluster.target("ps", 1));
    FIFOQueue q(
        session,
        QueueOptions{
            1, {DT_INT32}, {PartialShape{}}, "q", "/job:ps/task:1", ""});
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
  }

  TEST_CASE("cluster: a task listens on its own port and on no other") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, IntQueue("q", 10));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
    CHECK(ListeningPorts(cluster.task()->process().pid()) ==
          std::set<uint16_t>{cluster.port()});
  }

  TEST_CASE(
      "cluster: garbage bytes and 300 idle connections do not stop a task") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, IntQueue("q", 10));
    REQUIRE_OK(q.enqueue_many({Ints({1, 2, 3})}, kLong));

    const uint16_t port = cluster.port();
    auto connect_to_task = [port] { return testing::ConnectToLoopback(port); };

    // 64 KiB of random bytes, several times, each on its own connection.
    std::mt19937 random(20240611);
    for (int round = 0; round < 4; ++round) {
      int fd = connect_to_task();
      REQUIRE(fd >= 0);
      std::vector<unsigned char> garbage(64 * 1024);
      for (auto& byte : garbage) byte = static_cast<unsigned char>(random());
      size_t sent = 0;
      while (sent < garbage.size()) {
        ssize_t count = send(fd, garbage.data() + sent, garbage.size() - sent,
                             MSG_NOSIGNAL);
        if (count <= 0)
          break;  // The task may close the connection early: fine.
        sent += static_cast<size_t>(count);
      }
      close(fd);
    }

    // 300 idle connections held open while the task keeps serving.
    std::vector<int> idle;
    for (int i = 0; i < 300; ++i) {
      int fd = connect_to_task();
      if (fd >= 0) idle.push_back(fd);
    }
    CHECK(idle.size() == 300);

    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 3);
    Session fresh(cluster.target());  // A new connection is accepted too.
    FIFOQueue q_fresh(fresh, IntQueue("q", 10));
    REQUIRE_OK(q_fresh.enqueue({Tensor::Scalar<int32_t>(4)}, kLong));
    auto all = q_fresh.dequeue_many(4, kLong);
    REQUIRE_OK(all);
    CHECK(IntsOf((*all)[0]) == std::vector<int32_t>{1, 2, 3, 4});
    FIFOQueue created(fresh, IntQueue("new", 1));
    REQUIRE_OK(created.enqueue({Tensor::Scalar<int32_t>(5)}, kLong));

    for (int fd : idle) close(fd);
    auto after = created.dequeue(kLong);
    REQUIRE_OK(after);
    CHECK(IntsOf((*after)[0]) == std::vector<int32_t>{5});
    REQUIRE(cluster.task()->process().Running());
  }

  TEST_CASE(
      "cluster: 10000 silent connections, past the cap of 1024, lock no "
      "client out") {
    constexpr int kSilent = 10000;
    // Each silent socket is a descriptor of this process too.
    rlimit files{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &files) == 0);
    if (files.rlim_cur < kSilent + 1024 && files.rlim_max >= kSilent + 1024) {
      files.rlim_cur = kSilent + 1024;
      REQUIRE(setrlimit(RLIMIT_NOFILE, &files) == 0);
    }
    REQUIRE_MESSAGE(files.rlim_cur >= kSilent + 1024,
                    "the descriptor limit is ", files.rlim_cur);
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, IntQueue("q", 10));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
    const std::string target = cluster.target();
    const uint16_t port = cluster.port();

    std::vector<int> silent;
    for (int i = 0; i < kSilent; ++i) {
      int fd = testing::ConnectToLoopback(port);
      if (fd >= 0) silent.push_back(fd);
      // Clients keep working while the silent sockets pile up.
      if (i % 2500 == 1250) REQUIRE_OK(q.size());
    }
    CHECK(silent.size() == kSilent);
    // The oldest silent ones made room: a new client and the old one are
    // both served while the newest silent sockets stay open.
    Session fresh(target);
    FIFOQueue q_fresh(fresh, IntQueue("q", 10));
    REQUIRE_OK(q_fresh.enqueue({Tensor::Scalar<int32_t>(2)}, kLong));
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 2);
    CHECK(cluster.task()->process().WaitForLog({"closed to make room"}));
    for (int fd : silent) close(fd);
    REQUIRE(cluster.task()->process().Running());
  }

  TEST_CASE(
      "cluster: a session still connects to a task that answers its handshake "
      "late") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    testing::Process& task = cluster.task()->process();

    // A stopped task answers no handshake, but the kernel still queues the
    // connection. The session waits for the handshake, across heartbeat
    // intervals, until its connect timeout (CAF 0.17.6's own connect dropped
    // such a connection at its next heartbeat tick, <= 0.5 s).
    task.Signal(SIGSTOP);
    NodeOptions patient;
    patient.connection_timeout = std::chrono::seconds(60);
    Session session(target, patient);
    auto size = std::async(std::launch::async, [&session] {
      FIFOQueue q(session, IntQueue("late", 10));
      return q.size();
    });
    // Still waiting, well past a heartbeat interval.
    const bool waited =
        size.wait_for(std::chrono::seconds(2)) == std::future_status::timeout;
    task.Signal(SIGCONT);
    CHECK(waited);
    REQUIRE(ReadyWithin(size, kLong));
    auto answer = size.get();
    REQUIRE_OK(answer);
    CHECK(*answer == 0);
  }

  TEST_CASE(
      "cluster: a typed handle answers each request of a burst, also after "
      "its handles are gone, and the requester of one delegated to it") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    auto q = std::make_unique<FIFOQueue>(session, PairQueue("burst", 1000));
    std::optional<QueueActor> handle = *q->handle();
    const caf::duration bound{std::chrono::seconds(15)};
    caf::scoped_actor self{session.system()};

    // 200 requests in the proxy's mailbox at once, one of the wrong shape;
    // then the handle and its queue object go, which held the proxy: the
    // answers still come.
    constexpr int kBurst = 200;
    constexpr int kMisfit = 77;
    std::vector<std::string> answers =
        EnqueueBurst(self, *handle, kBurst, kMisfit, [&] {
          handle.reset();
          q.reset();
        });
    REQUIRE(answers.size() == kBurst);
    CHECK(std::count(answers.begin(), answers.end(), "OK") == kBurst - 1);
    CHECK(
        absl::StartsWith(answers[kMisfit], "INVALID_ARGUMENT: Shape mismatch"));

    // An actor that hands size requests on to a handle: the answer goes to
    // whoever asked it.
    FIFOQueue again(session, PairQueue("burst", 1000));
    auto fresh = again.handle();
    REQUIRE_OK(fresh);
    auto delegator = session.system().spawn(
        [target = *fresh](caf::event_based_actor* me) -> caf::behavior {
          return {[=](size_atom) {
            return me->delegate(target, size_atom::value);
          }};
        });
    int32_t size = -1;
    self->request(delegator, bound, size_atom::value)
        .receive([&](int32_t n) { size = n; },
                 [](caf::error& error) { FAIL(ToStatus(error)); });
    CHECK(size == kBurst - 1);
    self->send_exit(delegator, caf::exit_reason::user_shutdown);
  }

  TEST_CASE(
      "cluster: singles through a coalesced handle cross the network together "
      "and are each answered in order") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, PairQueue("coalesced", 1000));
    auto coalesced = q.coalesced_handle();
    REQUIRE_OK(coalesced);
    const caf::duration bound{std::chrono::seconds(15)};
    caf::scoped_actor self{session.system()};

    // 300 singles in flight at once, one of them of the wrong shape.
    constexpr int kSingles = 300;
    constexpr int kMisfit = 150;
    std::vector<std::string> answers =
        EnqueueBurst(self, *coalesced, kSingles, kMisfit);
    REQUIRE(answers.size() == kSingles);
    CHECK(std::count(answers.begin(), answers.end(), "OK") == kSingles - 1);
    CHECK(answers[kMisfit] ==
          "INVALID_ARGUMENT: Shape mismatch in tuple component 0. Expected "
          "[2], got [3] (FIFOQueue 'coalesced')");

    std::vector<decltype(self->request(*coalesced, bound, dequeue_atom::value,
                                       kNoTimeout))>
        dequeues;
    for (int i = 0; i < kSingles - 1; ++i) {
      dequeues.push_back(
          self->request(*coalesced, bound, dequeue_atom::value, kNoTimeout));
    }
    std::vector<float> received;
    for (auto& dequeue : dequeues) {
      dequeue.receive(
          [&](Tuple& element) {
            for (float value : FloatsOf(element[0])) received.push_back(value);
          },
          [&](caf::error& error) { FAIL(ToStatus(error)); });
    }
    std::vector<float> expected = FloatsOf(Instances(0, kMisfit));
    for (float value : FloatsOf(Instances(kMisfit + 1, kSingles - kMisfit - 1)))
      expected.push_back(value);
    CHECK(received == expected);

    REQUIRE_OK(q.close(false, kLong));
    absl::Status end = absl::InternalError("no reply");
    self->request(*coalesced, bound, dequeue_atom::value, kNoTimeout)
        .receive([&](Tuple&) { end = absl::OkStatus(); },
                 [&](caf::error& error) { end = ToStatus(error); });
    CHECK_STATUS(end, "OUT_OF_RANGE",
                 "is closed and has insufficient elements");
  }
}

}  // namespace
}  // namespace troupe
