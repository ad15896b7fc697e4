// One session reaches every task of the cluster: a session connected to the
// worker uses queues placed on the ps tasks, sees their loss as UNAVAILABLE
// (SIGKILL and SIGSTOP), and resumes when a task comes back.
#include <chrono>
#include <csignal>
#include <future>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "doctest/doctest.h"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/session_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using nlohmann::json;
using testing::CtlFails;
using testing::CtlJson;
using testing::CtlLine;
using testing::LocalCluster;
using testing::ReadyWithin;
using testing::StatusOf;
using testing::WaitForWaiters;

const absl::Duration kLong = absl::Seconds(15);
constexpr char kPs1[] = "/job:ps/task:1";

QueueOptions IntQueueOn(const std::string& device, const std::string& name) {
  QueueOptions options;
  options.capacity = 10;
  options.dtypes = {DT_INT32};
  options.shapes = {{}};
  options.shared_name = name;
  options.device = device;
  return options;
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: a session on the worker uses a queue placed on another task") {
    LocalCluster cluster({{"ps", 2}, {"worker", 1}});
    REQUIRE_CLUSTER(cluster);
    Session via_worker(cluster.target("worker", 0));
    FIFOQueue q(via_worker, IntQueueOn(kPs1, "routed"));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(7)}, kLong));

    // The queue lives on ps:1, and only there.
    Session on_ps1(cluster.target("ps", 1));
    CHECK(testing::Find(on_ps1, "routed").has_value());
    Session on_ps0(cluster.target("ps", 0));
    CHECK_FALSE(testing::Find(on_ps0, "routed").has_value());
    CHECK_FALSE(testing::Find(via_worker, "routed").has_value());

    // ctl reaches it the same way, with --device (also in TensorFlow's long
    // form).
    CHECK(CtlLine(cluster.target("worker", 0),
                  {"--device", "/job:ps/replica:0/task:1/device:CPU:0", "size",
                   "routed"}) == "1");
    json list =
        CtlJson(cluster.target("worker", 0), {"--device", kPs1, "list"});
    REQUIRE(list.size() == 1);
    CHECK(list[0]["name"] == "routed");

    auto element = q.dequeue(kLong);
    REQUIRE_OK(element);
    CHECK((*element)[0] == Tensor::Scalar<int32_t>(7));

    // A blocking dequeue through the worker waits on ps:1 without a thread
    // and honours its timeout there.
    auto timed_out = q.dequeue(absl::Milliseconds(100));
    CHECK_STATUS(timed_out, "DEADLINE_EXCEEDED", "FIFOQueue 'routed'");
  }

  TEST_CASE("cluster: an unknown device is NOT_FOUND naming it") {
    LocalCluster cluster({{"ps", 1}, {"worker", 1}});
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target("worker", 0));
    FIFOQueue nowhere(session, IntQueueOn("/job:ps/task:7", "q"));
    CHECK_STATUS(nowhere.size(), "NOT_FOUND", "/job:ps/task:7");
    FIFOQueue unknown_job(session, IntQueueOn("/job:nope/task:0", "q"));
    CHECK_STATUS(unknown_job.size(), "NOT_FOUND", "/job:nope/task:0");
    FIFOQueue malformed(session, IntQueueOn("/job:ps", "q"));
    CHECK_STATUS(malformed.size(), "INVALID_ARGUMENT", "Invalid device name");
    CtlFails(cluster.target("worker", 0),
             {"--device", "/job:ps/task:3", "list"}, "NOT_FOUND",
             "/job:ps/task:3");
  }

  TEST_CASE(
      "cluster: a routed task killed while a dequeue waits is UNAVAILABLE, "
      "then resumes") {
    LocalCluster cluster({{"ps", 2}, {"worker", 1}});
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target("worker", 0));
    FIFOQueue q(session, IntQueueOn(kPs1, "k"));
    REQUIRE_OK(q.size());
    Session observer(cluster.target("ps", 1));
    auto waiting =
        std::async(std::launch::async, [&] { return q.dequeue(kLong); });
    REQUIRE(WaitForWaiters(observer, "k", 1, 0));

    testing::Process& task = cluster.task("ps", 1)->process();
    absl::Time killed = absl::Now();
    task.Signal(SIGKILL);
    REQUIRE(ReadyWithin(waiting, absl::Seconds(10)));
    absl::Duration to_unavailable = absl::Now() - killed;
    MESSAGE("SIGKILL to UNAVAILABLE at the client: ",
            absl::FormatDuration(to_unavailable));
    CHECK_STATUS(waiting.get(), "UNAVAILABLE", "");
    CHECK(to_unavailable < absl::Seconds(5));
    REQUIRE(task.WaitExit(kLong).has_value());
    // While it is down, calls fail fast.
    absl::Time asked = absl::Now();
    CHECK_STATUS(q.size(), "UNAVAILABLE", "");
    CHECK(absl::Now() - asked < absl::Seconds(5));

    testing::TaskProcess restarted(
        cluster.spec_path(), "ps", 1,
        cluster.dir().path() + "/ps-1-restarted.log");
    REQUIRE_MESSAGE(restarted.WaitReady(), restarted.Log());
    CHECK_STATUS(q.size(), "ABORTED", "Task /job:ps/task:1 restarted");
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 0);
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(3)}, kLong));
  }

  TEST_CASE(
      "cluster: a frozen task is UNAVAILABLE within the heartbeat timeout") {
    LocalCluster cluster({{"ps", 2}, {"worker", 1}});
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target("worker", 0));
    FIFOQueue q(session, IntQueueOn(kPs1, "frozen"));
    REQUIRE_OK(q.size());
    Session observer(cluster.target("ps", 1));
    auto waiting =
        std::async(std::launch::async, [&] { return q.dequeue(kLong); });
    REQUIRE(WaitForWaiters(observer, "frozen", 1, 0));

    testing::Process& task = cluster.task("ps", 1)->process();
    absl::Time stopped = absl::Now();
    task.Signal(SIGSTOP);
    bool answered = ReadyWithin(waiting, absl::Seconds(12));
    absl::Duration to_unavailable = absl::Now() - stopped;
    task.Signal(SIGCONT);
    REQUIRE(answered);
    MESSAGE("SIGSTOP to UNAVAILABLE at the client: ",
            absl::FormatDuration(to_unavailable));
    CHECK_STATUS(waiting.get(), "UNAVAILABLE", "");
    CHECK(to_unavailable < absl::Seconds(8));
  }

  TEST_CASE(
      "cluster: the spec's heartbeat_timeout bounds the wait for a frozen "
      "task") {
    LocalCluster cluster({{"ps", 1}}, true, R"("heartbeat_timeout": "1s")");
    REQUIRE_CLUSTER(cluster);
    CHECK(CtlLine(cluster.target(),
                  {"--cluster", cluster.spec_path(), "queue-create", "frozen",
                   "--capacity", "2", "--dtypes", "int32"}) ==
          R"({"created":true})");
    testing::Process waiting(
        {testing::TroupeBinary(), "ctl", "--target", cluster.target(),
         "--cluster", cluster.spec_path(), "--timeout", "30s", "dequeue",
         "frozen"},
        cluster.dir().path() + "/waiting.log");
    Session observer(cluster.target());
    REQUIRE(WaitForWaiters(observer, "frozen", 1, 0));

    testing::Process& task = cluster.task()->process();
    absl::Time stopped = absl::Now();
    task.Signal(SIGSTOP);
    auto status = waiting.WaitExit(absl::Seconds(12));
    absl::Duration to_unavailable = absl::Now() - stopped;
    task.Signal(SIGCONT);
    REQUIRE(status.has_value());
    MESSAGE("SIGSTOP to UNAVAILABLE with a 1 s heartbeat timeout: ",
            absl::FormatDuration(to_unavailable));
    CHECK(absl::StartsWith(waiting.Log(), "UNAVAILABLE: "));
    CHECK(to_unavailable < absl::Seconds(3));
  }

  TEST_CASE(
      "cluster: a client killed while its routed dequeue waits takes no "
      "element") {
    LocalCluster cluster({{"ps", 2}, {"worker", 1}});
    REQUIRE_CLUSTER(cluster);
    const std::string worker = cluster.target("worker", 0);
    CtlLine(worker, {"--device", kPs1, "queue-create", "k", "--capacity", "4",
                     "--dtypes", "int32", "--shapes", "[[]]"});
    testing::Process consumer({testing::TroupeBinary(), "ctl", "--target",
                               worker, "--device", kPs1, "dequeue", "k"},
                              cluster.dir().path() + "/consumer.log");
    REQUIRE(consumer.started());
    Session observer(cluster.target("ps", 1));
    REQUIRE(WaitForWaiters(observer, "k", 1, 0));
    consumer.Signal(SIGKILL);
    REQUIRE(consumer.WaitExit(kLong).has_value());
    REQUIRE(WaitForWaiters(observer, "k", 0, 0));
    CtlLine(worker, {"--device", kPs1, "enqueue", "k", "[5]"});
    CHECK(CtlLine(worker, {"--device", kPs1, "--timeout", "5s", "dequeue",
                           "k"}) == "[5]");
  }
}

}  // namespace
}  // namespace troupe
