// Process-level tests of durable queues (`queue-create --durable`): the
// acknowledged state comes back after kill -9, whatever the sync policy,
// from a log allocated ahead of its records; a reset deletes the log; the
// log is compacted; a damaged log stops the task from starting; checkpoints
// leave durable queues be.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "formats/queue_log.h"
#include "support/read_file.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/session_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CtlFails;
using testing::CtlJson;
using testing::CtlLine;
using testing::LocalCluster;
using testing::WaitUntil;

const absl::Duration kLong = absl::Seconds(30);

// One task of `cluster` on its data directory, started and stopped by the
// test.
class DurableTask {
 public:
  explicit DurableTask(LocalCluster& cluster) : cluster_(cluster) {}

  // Starts the task (again); its log is "<dir>/ps-0-<n>.log".
  void Start() {
    task_ = std::make_unique<testing::TaskProcess>(
        cluster_.spec_path(), "ps", 0,
        absl::StrCat(cluster_.dir().path(), "/ps-0-", ++starts_, ".log"),
        std::vector<std::string>{"--data-dir", cluster_.data_dir()});
    REQUIRE_MESSAGE(task_->WaitReady(), task_->Log());
  }
  void Kill() {
    task_->process().Signal(SIGKILL);
    REQUIRE(task_->process().WaitExit(kLong).has_value());
  }
  testing::TaskProcess& process() { return *task_; }

  // The files in the directory of the task's durable queue logs.
  std::vector<std::string> Logs() const {
    std::vector<std::string> files;
    const std::string dir = cluster_.data_dir() + "/durable-queues/ps-0";
    if (!fs::exists(dir)) return files;
    for (const auto& entry : fs::directory_iterator(dir))
      files.push_back(entry.path().string());
    return files;
  }

 private:
  LocalCluster& cluster_;
  std::unique_ptr<testing::TaskProcess> task_;
  int starts_ = 0;
};

QueueOptions DurableInts(const std::string& name, Durability durability) {
  QueueOptions options;
  options.capacity = 100000;
  options.dtypes = {DType::kInt32};
  options.shapes = {PartialShape{}};
  options.shared_name = name;
  options.durability = durability;
  return options;
}

Tuple Int(int32_t value) { return {Tensor::Scalar<int32_t>(value)}; }

std::vector<int32_t> Drain(FIFOQueue& queue) {
  auto size = queue.size();
  REQUIRE(size.ok());
  std::vector<int32_t> values;
  if (*size == 0) return values;
  auto batch = queue.dequeue_many(*size, kLong);
  REQUIRE(batch.ok());
  auto flat = (*batch)[0].flat<int32_t>();
  values.assign(flat.begin(), flat.end());
  return values;
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: durable queues: the acknowledged state comes back after "
      "kill -9, with every sync policy") {
    for (Durability durability :
         {Durability::kAlways, Durability::kEverySec, Durability::kNo}) {
      CAPTURE(DurabilityName(durability));
      LocalCluster cluster({{"ps", 1}}, /*start=*/false);
      DurableTask task(cluster);
      task.Start();
      {
        Session session(cluster.target());
        FIFOQueue queue(session, DurableInts("q", durability));
        for (int32_t i = 1; i <= 10; ++i)
          REQUIRE_OK(queue.enqueue(Int(i), kLong));
        for (int32_t i = 1; i <= 3; ++i) {
          auto element = queue.dequeue(kLong);
          REQUIRE_OK(element);
          CHECK((*element)[0].flat<int32_t>()[0] == i);
        }
        REQUIRE_OK(queue.enqueue_many(
            {Tensor::FromVector<int32_t>({5}, {11, 12, 13, 14, 15})}, kLong));
        // A batch taken in part and given back leaves no trace.
        CHECK_STATUS(queue.dequeue_many(50, absl::Milliseconds(50)),
                     "DEADLINE_EXCEEDED", "");
        task.Kill();
      }
      // The log's file is allocated ahead of its records; the zeros after
      // them replay as free space, not as a torn record.
      REQUIRE(task.Logs().size() == 1);
      const std::string bytes = support::ReadFile(task.Logs()[0]);
      auto replayed = ReplayQueueLog(bytes, "q.log", uint64_t{1} << 30);
      REQUIRE(replayed.ok());
      CHECK_FALSE(replayed->torn_tail);
      CHECK(replayed->valid_bytes < bytes.size());
      task.Start();
      Session session(cluster.target());
      // Opened without durability: the queue is durable as it was made.
      FIFOQueue queue(session, DurableInts("q", Durability::kNone));
      CHECK(Drain(queue) ==
            std::vector<int32_t>{4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
      json listed = CtlJson(cluster.target(), {"list"});
      REQUIRE(listed.size() == 1);
      CHECK(listed[0]["durability"] == DurabilityName(durability));
    }
  }

  TEST_CASE(
      "cluster: durable queues: kill -9 under a producer and a consumer loses "
      "no acknowledged element and brings none back") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    DurableTask task(cluster);
    task.Start();
    std::mutex mutex;
    std::vector<int32_t> enqueued;  // acknowledged, in order
    std::set<int32_t> dequeued;     // acknowledged
    std::atomic<bool> killed{false};
    auto produce = std::async(std::launch::async, [&] {
      Session session(cluster.target());
      FIFOQueue queue(session, DurableInts("q", Durability::kAlways));
      for (int32_t i = 0;; ++i) {
        if (!queue.enqueue(Int(i), kLong).ok()) return;
        std::lock_guard<std::mutex> lock(mutex);
        enqueued.push_back(i);
      }
    });
    auto consume = std::async(std::launch::async, [&] {
      Session session(cluster.target());
      FIFOQueue queue(session, DurableInts("q", Durability::kAlways));
      while (!killed) {
        auto element = queue.dequeue(absl::Seconds(1));
        if (!element.ok()) {
          if (absl::IsDeadlineExceeded(element.status())) continue;
          return;
        }
        std::lock_guard<std::mutex> lock(mutex);
        dequeued.insert((*element)[0].flat<int32_t>()[0]);
      }
    });
    REQUIRE(WaitUntil([&] {
      std::lock_guard<std::mutex> lock(mutex);
      return enqueued.size() >= 300 && dequeued.size() >= 100;
    }));
    killed = true;
    task.Kill();
    REQUIRE(testing::ReadyWithin(produce, kLong));
    REQUIRE(testing::ReadyWithin(consume, kLong));

    task.Start();
    Session session(cluster.target());
    FIFOQueue queue(session, DurableInts("q", Durability::kAlways));
    const std::vector<int32_t> drained = Drain(queue);
    std::vector<int32_t> expected;
    for (int32_t value : enqueued) {
      if (dequeued.count(value) == 0) expected.push_back(value);
    }
    // The enqueue in flight at the kill may have gone in (after the last
    // acknowledged one); the dequeue in flight may have taken the head.
    std::vector<int32_t> got = drained;
    const int32_t in_flight = enqueued.empty() ? 0 : enqueued.back() + 1;
    if (!got.empty() && got.back() == in_flight) got.pop_back();
    if (got.size() + 1 == expected.size()) expected.erase(expected.begin());
    CHECK(got == expected);
    for (int32_t value : drained) CHECK(dequeued.count(value) == 0);
  }

  TEST_CASE(
      "cluster: durable queues: a reset deletes the log, and the queue stays "
      "gone after a restart") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    DurableTask task(cluster);
    task.Start();
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "5", "--dtypes",
                     "int32", "--durable", "--container", "c"});
    CtlLine(target, {"enqueue", "q", "[7]", "--container", "c"});
    CHECK(task.Logs().size() == 1);
    CtlLine(target, {"reset", "c"});
    REQUIRE(WaitUntil([&] { return task.Logs().empty(); }));
    task.Kill();
    task.Start();
    CHECK(CtlJson(target, {"list"}) == json::array());
  }

  TEST_CASE(
      "cluster: durable queues: a checkpoint restore leaves a durable queue "
      "as its log holds it") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    DurableTask task(cluster);
    task.Start();
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "5", "--dtypes",
                     "int32", "--durable", "--appendfsync", "always"});
    CtlLine(target, {"enqueue", "q", "[1]"});
    CtlLine(target, {"save", "ckpt/model", "--include-queues"});
    CtlLine(target, {"enqueue", "q", "[2]"});
    CtlLine(target, {"restore", "ckpt/model"});
    CHECK(CtlLine(target, {"size", "q"}) == "2");
    CtlFails(target,
             {"queue-create", "q", "--capacity", "5", "--dtypes", "int32",
              "--durable", "--appendfsync", "no"},
             "INVALID_ARGUMENT",
             "Shared queue 'q' has durability always but requested durability "
             "was no");
  }

  TEST_CASE(
      "cluster: durable queues: the log is compacted once it outgrows the "
      "queue, and still replays") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    DurableTask task(cluster);
    task.Start();
    {
      Session session(cluster.target());
      QueueOptions options = DurableInts("big", Durability::kEverySec);
      options.shapes = {PartialShape{1 << 18}};  // 1 MiB elements
      FIFOQueue queue(session, options);
      const Tensor mib = Tensor::Zeros(DType::kInt32, {1 << 18});
      // 100 MiB through the queue; 1 MiB stays.
      REQUIRE_OK(queue.enqueue({mib}, kLong));
      for (int i = 0; i < 100; ++i) {
        REQUIRE_OK(queue.enqueue({mib}, kLong));
        REQUIRE_OK(queue.dequeue(kLong));
      }
      REQUIRE(task.Logs().size() == 1);
      CHECK(fs::file_size(task.Logs()[0]) < (uint64_t{66} << 20));
      task.Kill();
    }
    task.Start();
    CHECK(CtlLine(cluster.target(), {"size", "big"}) == "1");
  }

  TEST_CASE(
      "cluster: durable queues: a damaged log stops the task from starting, "
      "naming the file") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    DurableTask task(cluster);
    task.Start();
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "5", "--dtypes",
                     "int32", "--durable"});
    CtlLine(target, {"enqueue", "q", "[1]"});
    CtlLine(target, {"enqueue", "q", "[2]"});
    task.Kill();
    REQUIRE(task.Logs().size() == 1);
    const std::string log = task.Logs()[0];
    {
      std::fstream file(log, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(20);
      file.put('\x7f');
    }
    testing::TaskProcess broken(cluster.spec_path(), "ps", 0,
                                cluster.dir().path() + "/broken.log",
                                {"--data-dir", cluster.data_dir()});
    auto status = broken.process().WaitExit(kLong);
    REQUIRE(status.has_value());
    CHECK(WEXITSTATUS(*status) == 2);
    CHECK(absl::StrContains(
        broken.Log(), absl::StrCat("cannot read its durable queues: corrupted "
                                   "record at 0 in ",
                                   log)));
  }
}

}  // namespace
}  // namespace troupe
