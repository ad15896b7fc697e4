// Fault injection against one task: the hostile cases of the hardening issue
// run together, round after round, for a bounded time, while a loader and a
// trainer keep passing data through the same task. Afterwards the task must
// still serve, and nothing the pipeline enqueued may be lost or reordered.
//
// The time is TROUPE_SOAK_SECONDS (default 5): a bound on the number of
// rounds, never an expectation of speed; at least one round always runs.
// `scripts/soak` runs it longer.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"

#include "base/status_macros.h"
#include "cluster/queue.h"
#include "cluster/session.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/session_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using testing::LocalCluster;
using testing::Process;
using testing::WaitUntil;

const absl::Duration kLong = absl::Seconds(30);
constexpr char kDevice[] = "/job:ps/task:0";

absl::Duration SoakTime() {
  const char* text = std::getenv("TROUPE_SOAK_SECONDS");
  int seconds = text != nullptr ? std::atoi(text) : 0;
  return absl::Seconds(seconds > 0 ? seconds : 5);
}

QueueOptions Options(const std::string& name, int32_t capacity, DType dtype,
                     std::vector<PartialShape> shapes) {
  return QueueOptions{capacity, {dtype}, std::move(shapes), name, kDevice, ""};
}

// Opens a connection and sends `bytes` random bytes, then closes it.
void SendGarbage(uint16_t port, std::mt19937& random, size_t bytes) {
  int fd = testing::ConnectToLoopback(port);
  REQUIRE(fd >= 0);
  std::vector<unsigned char> garbage(bytes);
  for (auto& byte : garbage) byte = static_cast<unsigned char>(random());
  size_t sent = 0;
  while (sent < garbage.size()) {
    ssize_t count =
        send(fd, garbage.data() + sent, garbage.size() - sent, MSG_NOSIGNAL);
    if (count <= 0) break;  // The task may hang up first: fine.
    sent += static_cast<size_t>(count);
  }
  close(fd);
}

// Two elements whose padded batch would take terabytes, and three with no
// bytes whose batch has 10^12 cells: both refused, nothing lost.
void PaddingBombs(Session& session) {
  PaddingFIFOQueue wide(
      session,
      Options("bomb", 10, DT_FLOAT,
              {{PartialShape::kUnknownDim, PartialShape::kUnknownDim}}));
  const int64_t n = 1 << 20;
  REQUIRE_OK(wide.enqueue(
      {Tensor::FromBytes(DT_FLOAT, {1, n}, std::vector<char>(n * 4))}, kLong));
  REQUIRE_OK(wide.enqueue(
      {Tensor::FromBytes(DT_FLOAT, {n, 1}, std::vector<char>(n * 4))}, kLong));
  CHECK(absl::IsResourceExhausted(wide.dequeue_many(2, kLong).status()));
  auto left = wide.size();
  REQUIRE_OK(left);
  CHECK(*left == 2);
  for (int i = 0; i < 2; ++i) REQUIRE_OK(wide.dequeue(kLong));

  PaddingFIFOQueue empty(
      session, Options("cells", 10, DT_FLOAT,
                       {{PartialShape::kUnknownDim, PartialShape::kUnknownDim,
                         PartialShape::kUnknownDim, 0}}));
  const int64_t m = 10000;
  for (Shape shape : {Shape{m, 1, 1, 0}, Shape{1, m, 1, 0}, Shape{1, 1, m, 0}})
    REQUIRE_OK(empty.enqueue({Tensor::FromBytes(DT_FLOAT, shape, {})}, kLong));
  CHECK(absl::IsResourceExhausted(empty.dequeue_many(3, kLong).status()));
  REQUIRE_OK(empty.dequeue_up_to(1, kLong));
  REQUIRE_OK(empty.dequeue_up_to(1, kLong));
  REQUIRE_OK(empty.dequeue_up_to(1, kLong));
}

// Shapes whose products overflow are refused at creation.
void OverflowingShapes(Session& session) {
  const int64_t big = int64_t{1} << 62;
  FIFOQueue overflow(session, Options("overflow", 1, DT_FLOAT, {{big, 4}}));
  CHECK(absl::IsInvalidArgument(overflow.size().status()));
  FIFOQueue hidden(session, Options("hidden", 1, DT_FLOAT, {{0, big, 4}}));
  CHECK(absl::IsInvalidArgument(hidden.size().status()));
}

// A `troupe ctl dequeue` killed while it waits: its waiter is withdrawn and
// the element enqueued afterwards is still there for the next consumer.
void KilledWaiter(Session& session, LocalCluster& cluster, int round) {
  FIFOQueue q(session, Options("orphan", 4, DT_INT32, {PartialShape{}}));
  REQUIRE_OK(q.size());
  Process waiter({testing::TroupeBinary(), "ctl", "--target", cluster.target(),
                  "--timeout", "60s", "dequeue", "orphan"},
                 absl::StrCat(cluster.dir().path(), "/waiter", round, ".log"));
  REQUIRE(testing::WaitForWaiters(session, "orphan", 1, 0));
  waiter.Signal(SIGKILL);
  REQUIRE(waiter.WaitExit(kLong).has_value());
  REQUIRE(testing::WaitForWaiters(session, "orphan", 0, 0));
  REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(round)}, kLong));
  auto element = q.dequeue(kLong);
  REQUIRE_OK(element);
  CHECK((*element)[0].flat<int32_t>()[0] == round);
}

// An enqueue_many waiting on a full queue, cut short by a cancelling close:
// CANCELLED says how many went in, and those stay.
void CancelledBatch(Session& session, int round) {
  const std::string name = absl::StrCat("cut", round);
  FIFOQueue q(session, Options(name, 2, DT_INT32, {PartialShape{}}));
  auto batch = std::async(std::launch::async, [&q] {
    return q.enqueue_many({Tensor::FromVector<int32_t>({5}, {1, 2, 3, 4, 5})},
                          kLong);
  });
  REQUIRE(testing::WaitForWaiters(session, name, 0, 1));
  REQUIRE_OK(q.close(/*cancel_pending_enqueues=*/true, kLong));
  REQUIRE(testing::ReadyWithin(batch, kLong));
  absl::Status cut = batch.get();
  CHECK(absl::IsCancelled(cut));
  CHECK(absl::StrContains(cut.message(), "2 of 5 elements were enqueued"));
  auto kept = q.dequeue_up_to(5, kLong);
  REQUIRE_OK(kept);
  CHECK((*kept)[0].shape() == Shape{2});
}

TEST_SUITE("soak") {
  TEST_CASE(
      "cluster: soak: hostile cases together against one task, which serves "
      "a loader and a trainer throughout and after") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    const uint16_t port = cluster.port();

    // The pipeline: a loader enqueues 0, 1, 2, ... until told to stop, then
    // closes; a trainer dequeues until the queue is closed and drained.
    std::promise<void> stop_loading;
    std::shared_future<void> stop = stop_loading.get_future().share();
    auto loader = std::async(std::launch::async, [&]() -> absl::StatusOr<int> {
      Session session(target);
      FIFOQueue q(session, Options("pipeline", 16, DT_INT32, {PartialShape{}}));
      int sent = 0;
      while (stop.wait_for(std::chrono::seconds(0)) !=
             std::future_status::ready) {
        TROUPE_RETURN_IF_ERROR(
            q.enqueue({Tensor::Scalar<int32_t>(sent)}, kLong));
        ++sent;
      }
      TROUPE_RETURN_IF_ERROR(q.close(false, kLong));
      return sent;
    });
    auto trainer = std::async(std::launch::async, [&]() -> absl::StatusOr<int> {
      Session session(target);
      FIFOQueue q(session, Options("pipeline", 16, DT_INT32, {PartialShape{}}));
      int expected = 0;
      for (;;) {
        auto element = q.dequeue(kLong);
        if (absl::IsOutOfRange(element.status())) return expected;
        if (!element.ok()) return element.status();
        if ((*element)[0].flat<int32_t>()[0] != expected) {
          return absl::DataLossError(absl::StrCat("expected ", expected));
        }
        ++expected;
      }
    });

    std::mt19937 random(20261206);
    Session session(target);
    const absl::Time deadline = absl::Now() + SoakTime();
    int rounds = 0;
    do {
      std::vector<int> idle;
      for (int i = 0; i < 50; ++i) {
        int fd = testing::ConnectToLoopback(port);
        if (fd >= 0) idle.push_back(fd);
      }
      SendGarbage(port, random, 16 * 1024);
      PaddingBombs(session);
      OverflowingShapes(session);
      KilledWaiter(session, cluster, rounds);
      CancelledBatch(session, rounds);
      for (int fd : idle) close(fd);
      ++rounds;
    } while (absl::Now() < deadline);
    MESSAGE("soak rounds: ", rounds);

    stop_loading.set_value();
    REQUIRE(testing::ReadyWithin(loader, kLong));
    REQUIRE(testing::ReadyWithin(trainer, kLong));
    absl::StatusOr<int> sent = loader.get();
    absl::StatusOr<int> received = trainer.get();
    REQUIRE_OK(sent);
    REQUIRE_OK(received);
    CHECK(*sent == *received);
    CHECK(*sent > 0);

    // Still serving, to a new session.
    Session fresh(target);
    FIFOQueue after(fresh, Options("after", 1, DT_INT32, {PartialShape{}}));
    REQUIRE_OK(after.enqueue({Tensor::Scalar<int32_t>(7)}, kLong));
    REQUIRE_OK(after.dequeue(kLong));
    REQUIRE(cluster.task()->process().Running());
  }
}

}  // namespace
}  // namespace troupe
