// Tasks that restart under their clients (issue 18, items 3 and 4): every
// start of a task is a new incarnation; a Session keeps working across a
// restart of a task it uses (UNAVAILABLE while it is down, connected again
// by itself once it is back); a handle made before the restart answers
// ABORTED once, naming the task and both incarnations, then works against
// the new incarnation; a connection lost without a restart is no ABORTED;
// `troupe ctl status` shows each task's incarnation and uptime.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <future>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/sec.hpp"
#include "caf/system_messages.hpp"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "cluster/variable.h"
#include "serialization/task_status.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/session_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using testing::LocalCluster;
using testing::ReadyWithin;
using testing::StatusOf;
using testing::WaitForWaiters;

const absl::Duration kLong = absl::Seconds(15);
constexpr char kPs0[] = "/job:ps/task:0";
constexpr char kPs1[] = "/job:ps/task:1";

QueueOptions IntQueue(const std::string& name, const std::string& device) {
  QueueOptions options;
  options.capacity = 10;
  options.dtypes = {DT_INT32};
  options.shapes = {{}};
  options.shared_name = name;
  options.device = device;
  return options;
}

VariableOptions FloatVariable(const std::string& name,
                              const std::string& device) {
  return VariableOptions{DT_FLOAT, {2}, name, device, ""};
}

std::vector<float> FloatsOf(const Tensor& tensor) {
  auto values = tensor.flat<float>();
  return std::vector<float>(values.begin(), values.end());
}

// The ABORTED text of a handle whose task restarted (cluster/
// wire_resource.h).
std::string Restarted(const std::string& device, uint64_t before,
                      uint64_t after, const std::string& resource) {
  return absl::StrCat("Task ", device, " restarted (incarnation ",
                      FormatIncarnation(before), " -> ",
                      FormatIncarnation(after), ") since ", resource,
                      " was looked up; its state is gone");
}

// Kills the task process of `job`/`index` with SIGKILL and waits until it
// exited.
void Kill(LocalCluster& cluster, const std::string& job, int index) {
  testing::Process& task = cluster.task(job, index)->process();
  task.Signal(SIGKILL);
  REQUIRE(task.WaitExit(kLong).has_value());
}

// `troupe ctl status --cluster SPEC`, parsed: the entry of each task.
nlohmann::json ClusterStatus(const std::string& spec) {
  testing::CommandResult result =
      testing::RunTroupe({"ctl", "status", "--cluster", spec});
  INFO("troupe ctl status: ", result.Describe());
  REQUIRE(result.ok());
  nlohmann::json tasks = nlohmann::json::parse(result.out, nullptr, false);
  REQUIRE(tasks.is_array());
  return tasks;
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: a session across a restart of its target: UNAVAILABLE while "
      "it is down, ABORTED once on each old handle, then the new "
      "incarnation") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, IntQueue("q", ""));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
    // Not called while the task is down: it still holds the lost actor.
    FIFOQueue idle(session, IntQueue("idle", kPs0));
    REQUIRE_OK(idle.enqueue({Tensor::Scalar<int32_t>(2)}, kLong));
    auto old_actor = idle.handle();
    REQUIRE_OK(old_actor);
    Variable v(session, FloatVariable("v", ""));
    REQUIRE_OK(v.assign(Tensor::FromVector<float>({2}, {1, 2})));
    auto before = session.status();
    REQUIRE_OK(before);

    Kill(cluster, "ps", 0);
    CHECK_STATUS(q.size(), "UNAVAILABLE", "");
    CHECK_STATUS(v.read(), "UNAVAILABLE", "");
    CHECK_STATUS(session.status(), "UNAVAILABLE", "");
    // A typed handle from before is a dead proxy whose down message says
    // that the connection was lost (README: "When a task restarts").
    caf::scoped_actor self{session.system()};
    self->monitor(*old_actor);
    caf::error reason;
    self->receive([&](caf::down_msg& down) { reason = down.reason; },
                  caf::after(std::chrono::seconds(15)) >> [] {});
    CHECK(reason == caf::make_error(caf::exit_reason::remote_link_unreachable));
    // A request to it fails at once (CAF 0.17's own proxies dropped it: only
    // the request's timeout answered).
    caf::error dropped;
    self->request(*old_actor, std::chrono::seconds(15), size_atom::value)
        .receive([](int32_t) {}, [&](caf::error& error) { dropped = error; });
    CHECK(dropped == caf::make_error(caf::sec::request_receiver_down));

    testing::TaskProcess restarted(
        cluster.spec_path(), "ps", 0,
        cluster.dir().path() + "/ps-0-restarted.log");
    REQUIRE_MESSAGE(restarted.WaitReady(), restarted.Log());
    // The session connects again by itself.
    auto after = session.status();
    REQUIRE_OK(after);
    CHECK(after->device == kPs0);
    CHECK(after->incarnation != before->incarnation);
    CHECK(after->incarnation != 0);

    CHECK_STATUS(
        q.size(), "ABORTED",
        Restarted(kPs0, before->incarnation, after->incarnation, "queue 'q'"));
    auto size = q.size();  // The new incarnation's queue, new and empty.
    REQUIRE_OK(size);
    CHECK(*size == 0);
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(3)}, kLong));

    CHECK_STATUS(idle.handle(), "ABORTED",
                 Restarted(kPs0, before->incarnation, after->incarnation,
                           "queue 'idle'"));
    auto new_actor = idle.handle();
    REQUIRE_OK(new_actor);
    CHECK(*new_actor != *old_actor);
    auto idle_size = idle.size();
    REQUIRE_OK(idle_size);
    CHECK(*idle_size == 0);

    CHECK_STATUS(v.read(), "ABORTED",
                 Restarted(kPs0, before->incarnation, after->incarnation,
                           "variable 'v'"));
    CHECK_STATUS(v.read(), "FAILED_PRECONDITION",
                 "Attempting to use uninitialized value v");

    // Handles made after the restart work at once.
    FIFOQueue fresh(session, IntQueue("q", ""));
    auto element = fresh.dequeue(kLong);
    REQUIRE_OK(element);
    CHECK((*element)[0].flat<int32_t>()[0] == 3);
    Variable w(session, FloatVariable("w", kPs0));
    REQUIRE_OK(w.assign(Tensor::FromVector<float>({2}, {5, 6})));
    auto value = w.read();
    REQUIRE_OK(value);
    CHECK(FloatsOf(*value) == std::vector<float>{5, 6});
  }

  TEST_CASE(
      "cluster: resources routed through another task answer ABORTED once "
      "after their task restarts, and those on the target go on") {
    LocalCluster cluster({{"ps", 2}});
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target("ps", 0));
    FIFOQueue routed(session, IntQueue("routed", kPs1));
    REQUIRE_OK(routed.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
    QueueOptions in_container = IntQueue("boxed", kPs1);
    in_container.container = "c";
    FIFOQueue boxed(session, in_container);
    REQUIRE_OK(boxed.size());
    Variable v(session, FloatVariable("v", kPs1));
    REQUIRE_OK(v.assign(Tensor::FromVector<float>({2}, {1, 2})));
    FIFOQueue local(session, IntQueue("local", kPs0));
    REQUIRE_OK(local.enqueue({Tensor::Scalar<int32_t>(7)}, kLong));
    auto before = session.status(kPs1);
    REQUIRE_OK(before);

    Kill(cluster, "ps", 1);
    CHECK_STATUS(routed.size(), "UNAVAILABLE", "");
    CHECK_STATUS(v.read(), "UNAVAILABLE", "");
    auto local_size = local.size();
    REQUIRE_OK(local_size);
    CHECK(*local_size == 1);

    testing::TaskProcess restarted(
        cluster.spec_path(), "ps", 1,
        cluster.dir().path() + "/ps-1-restarted.log");
    REQUIRE_MESSAGE(restarted.WaitReady(), restarted.Log());
    auto after = session.status(kPs1);
    REQUIRE_OK(after);
    CHECK(after->incarnation != before->incarnation);

    CHECK_STATUS(routed.size(), "ABORTED",
                 Restarted(kPs1, before->incarnation, after->incarnation,
                           "queue 'routed'"));
    auto size = routed.size();
    REQUIRE_OK(size);
    CHECK(*size == 0);
    CHECK_STATUS(boxed.size(), "ABORTED",
                 Restarted(kPs1, before->incarnation, after->incarnation,
                           "queue 'boxed' in container 'c'"));
    REQUIRE_OK(boxed.size());
    CHECK_STATUS(v.read(), "ABORTED",
                 Restarted(kPs1, before->incarnation, after->incarnation,
                           "variable 'v'"));
    REQUIRE_OK(v.assign(Tensor::FromVector<float>({2}, {3, 4})));
    // The target did not restart: its queue kept its element.
    auto element = local.dequeue(kLong);
    REQUIRE_OK(element);
    CHECK((*element)[0].flat<int32_t>()[0] == 7);
  }

  TEST_CASE(
      "cluster: a session idle while its tasks restarted: the first call "
      "after is ABORTED, not UNAVAILABLE") {
    LocalCluster cluster({{"ps", 2}});
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target("ps", 0));
    FIFOQueue on_target(session, IntQueue("q", ""));
    FIFOQueue routed(session, IntQueue("r", kPs1));
    caf::scoped_actor self{session.system()};
    for (FIFOQueue* q : {&on_target, &routed}) {
      REQUIRE_OK(q->enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
      auto actor = q->handle();
      REQUIRE_OK(actor);
      self->monitor(*actor);
    }

    Kill(cluster, "ps", 0);
    Kill(cluster, "ps", 1);
    // No call while the tasks are down; the session only learns of the
    // losses (every proxy of a lost task goes down).
    int down = 0;
    for (int i = 0; i < 2; ++i) {
      self->receive([&](caf::down_msg&) { ++down; },
                    caf::after(std::chrono::seconds(15)) >> [] {});
    }
    REQUIRE(down == 2);
    testing::TaskProcess ps0(cluster.spec_path(), "ps", 0,
                             cluster.dir().path() + "/ps-0-restarted.log");
    testing::TaskProcess ps1(cluster.spec_path(), "ps", 1,
                             cluster.dir().path() + "/ps-1-restarted.log");
    REQUIRE_MESSAGE(ps0.WaitReady(), ps0.Log());
    REQUIRE_MESSAGE(ps1.WaitReady(), ps1.Log());

    CHECK_STATUS(on_target.size(), "ABORTED", "Task /job:ps/task:0 restarted");
    CHECK_STATUS(routed.size(), "ABORTED", "Task /job:ps/task:1 restarted");
    for (FIFOQueue* q : {&on_target, &routed}) {
      auto size = q->size();
      REQUIRE_OK(size);
      CHECK(*size == 0);
    }
  }

  TEST_CASE(
      "cluster: a connection lost while the task froze is no restart: the "
      "handles go on with the task's state") {
    LocalCluster cluster({{"ps", 1}}, true, R"("heartbeat_timeout": "1s")");
    REQUIRE_CLUSTER(cluster);
    NodeOptions options;
    options.heartbeat_interval = std::chrono::milliseconds(125);
    options.connection_timeout = std::chrono::seconds(1);
    Session session(cluster.target(), options);
    FIFOQueue q(session, IntQueue("kept", ""));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
    FIFOQueue other(session, IntQueue("other", ""));
    Session observer(cluster.target());
    auto waiting =
        std::async(std::launch::async, [&] { return other.dequeue(kLong); });
    REQUIRE(WaitForWaiters(observer, "other", 1, 0));

    // Frozen past the heartbeat timeout, the task is dropped: the waiting
    // call fails UNAVAILABLE, every proxy of the task goes down.
    testing::Process& task = cluster.task()->process();
    task.Signal(SIGSTOP);
    const bool answered = ReadyWithin(waiting, kLong);
    task.Signal(SIGCONT);
    REQUIRE(answered);
    CHECK_STATUS(waiting.get(), "UNAVAILABLE", "");

    // The same incarnation answers: nothing was lost, nothing is ABORTED.
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 1);
    auto element = q.dequeue(kLong);
    REQUIRE_OK(element);
    CHECK((*element)[0].flat<int32_t>()[0] == 1);
  }

  TEST_CASE(
      "cluster: ctl status shows each task's incarnation and uptime, and a "
      "new incarnation after a restart") {
    LocalCluster cluster({{"ps", 2}});
    REQUIRE_CLUSTER(cluster);
    nlohmann::json first = ClusterStatus(cluster.spec_path());
    INFO("status: ", first.dump());
    REQUIRE(first.size() == 2);
    for (const nlohmann::json& task : first) {
      CHECK(task["up"] == true);
      REQUIRE(task["incarnation"].is_string());
      const std::string incarnation = task["incarnation"];
      CHECK(incarnation.size() == 16);
      CHECK(incarnation.find_first_not_of("0123456789abcdef") ==
            std::string::npos);
      REQUIRE(task["uptime_s"].is_number());
      CHECK(task["uptime_s"].get<double>() >= 0);
      CHECK_FALSE(task.contains("restarts"));  // Not run by `troupe up`.
    }
    CHECK(first[0]["incarnation"] != first[1]["incarnation"]);

    Kill(cluster, "ps", 1);
    nlohmann::json down = ClusterStatus(cluster.spec_path());
    CHECK(down[1]["up"] == false);
    CHECK_FALSE(down[1].contains("incarnation"));
    testing::TaskProcess restarted(
        cluster.spec_path(), "ps", 1,
        cluster.dir().path() + "/ps-1-restarted.log");
    REQUIRE_MESSAGE(restarted.WaitReady(), restarted.Log());
    nlohmann::json second = ClusterStatus(cluster.spec_path());
    INFO("after the restart: ", second.dump());
    CHECK(second[0]["incarnation"] == first[0]["incarnation"]);
    CHECK(second[1]["up"] == true);
    CHECK(second[1]["incarnation"] != first[1]["incarnation"]);
  }
}

}  // namespace
}  // namespace troupe
