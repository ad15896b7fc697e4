// Process-level tests of checkpoints (troupe::Saver, `troupe ctl save`,
// `restore`, `checkpoints`): round trips, corruption, all-or-nothing restore,
// paths confined to the data directory, max_to_keep, a cluster-wide save,
// and kill -9 in the middle of saving.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/queue.h"
#include "cluster/saver.h"
#include "cluster/session.h"
#include "cluster/variable.h"
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

// Variables of several dtypes, one never assigned, and a closed queue of two
// components with three elements.
void MakeState(const std::string& target) {
  CtlLine(target,
          {"variable-create", "w", "--dtype", "float32", "--shape", "[2,2]"});
  CtlLine(target, {"assign", "w", "[[1.5,-2],[3,4]]"});
  CtlLine(target, {"variable-create", "step", "--dtype", "int64", "--shape",
                   "[]", "--container", "c"});
  CtlLine(target, {"assign", "step", "9007199254740993", "--container", "c"});
  CtlLine(target,
          {"variable-create", "names", "--dtype", "string", "--shape", "[2]"});
  CtlLine(target, {"assign", "names", R"(["ab", {"b64": "/wA="}])"});
  CtlLine(target,
          {"variable-create", "fresh", "--dtype", "float64", "--shape", "[3]"});
  CtlLine(target, {"queue-create", "q", "--capacity", "5", "--dtypes",
                   "int32,string", "--shapes", "[[],[]]"});
  for (int i = 0; i < 3; ++i) {
    CtlLine(target, {"enqueue", "q", absl::StrCat("[", i, ", \"e", i, "\"]")});
  }
  CtlLine(target, {"close", "q"});
}

void CheckState(const std::string& target) {
  CHECK(CtlJson(target, {"read", "w"}) ==
        json::parse("[[1.5,-2.0],[3.0,4.0]]"));
  CHECK(CtlLine(target, {"read", "step", "--container", "c"}) ==
        "9007199254740993");
  CHECK(CtlJson(target, {"read", "names"}) ==
        json::parse(R"(["ab", {"b64": "/wA="}])"));
  CtlFails(target, {"read", "fresh"}, "FAILED_PRECONDITION",
           "Attempting to use uninitialized value fresh");
  CHECK(CtlLine(target, {"is-closed", "q"}) == "true");
  CHECK(CtlJson(target, {"dequeue-many", "q", "3"}) ==
        json::parse(R"([[0,1,2],["e0","e1","e2"]])"));
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: checkpoints: save and restore round-trip variables and "
      "queues, over changed and over reset state") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    MakeState(target);
    json saved = CtlJson(target, {"save", "ckpt/model-1", "--include-queues"});
    CHECK(saved["prefix"] == "ckpt/model-1");
    CHECK(saved["tensors"] == 9);  // w, step, names; 3 elements of 2.
    CHECK(saved["bytes"].get<int64_t>() ==
          static_cast<int64_t>(
              fs::file_size(cluster.data_dir() + "/ckpt/model-1.data-ps-0")));

    // Changed: restore overwrites.
    CtlLine(target, {"assign", "w", "[[0,0],[0,0]]"});
    CtlLine(target, {"dequeue", "q"});
    json restored = CtlJson(target, {"restore", "ckpt/model-1"});
    CHECK(restored["tensors"] == 9);
    CheckState(target);

    // Gone: restore creates.
    CtlLine(target, {"reset", "", "c"});
    CHECK(CtlJson(target, {"list"}).empty());
    CtlLine(target, {"restore", "ckpt/model-1"});
    CheckState(target);
  }

  TEST_CASE(
      "cluster: checkpoints: a flipped byte is DATA_LOSS naming the file and "
      "offset, and changes nothing") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"variable-create", "v", "--dtype", "int32", "--shape", "[4]"});
    CtlLine(target, {"assign", "v", "[1,2,3,4]"});
    CtlLine(target, {"save", "model"});
    CtlLine(target, {"assign", "v", "[5,6,7,8]"});
    const std::string shard = cluster.data_dir() + "/model.data-ps-0";
    std::string bytes = support::ReadFile(shard);
    bytes[bytes.size() - 2] ^= 0x40;  // In the tensor's bytes.
    std::ofstream(shard, std::ios::binary | std::ios::trunc) << bytes;
    CtlFails(target, {"restore", "model"}, "DATA_LOSS",
             absl::StrCat("corrupted tensor at ", bytes.size() - 16 - 12,
                          " in model.data-ps-0"));
    CHECK(CtlJson(target, {"read", "v"}) == json::parse("[5,6,7,8]"));
  }

  TEST_CASE(
      "cluster: checkpoints: a restore whose spec does not match changes "
      "nothing on the task") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"variable-create", "a", "--dtype", "float32", "--shape", "[]"});
    CtlLine(target, {"assign", "a", "1"});
    CtlLine(target, {"queue-create", "q", "--capacity", "4", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CtlLine(target, {"enqueue", "q", "[1]"});
    CtlLine(target, {"save", "both", "--include-queues"});
    CtlLine(target, {"reset"});
    // "a" comes back with another dtype; the queue is empty.
    CtlLine(target,
            {"variable-create", "a", "--dtype", "int32", "--shape", "[]"});
    CtlLine(target, {"queue-create", "q", "--capacity", "4", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CtlFails(target, {"restore", "both"}, "INVALID_ARGUMENT",
             "Cannot restore checkpoint both on /job:ps/task:0: Shared "
             "variable 'a'");
    CHECK(CtlLine(target, {"size", "q"}) == "0");
    CtlFails(target, {"read", "a"}, "FAILED_PRECONDITION", "uninitialized");
  }

  TEST_CASE(
      "cluster: checkpoints: paths stay inside the task's data directory") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"variable-create", "v", "--dtype", "int32", "--shape", "[]"});
    CtlLine(target, {"assign", "v", "1"});
    CtlFails(target, {"save", "../outside"}, "PERMISSION_DENIED",
             "../outside.data-ps-0 is outside the data directory");
    CtlFails(target, {"save", "/tmp/troupe-absolute"}, "PERMISSION_DENIED",
             "is outside the data directory");
    fs::create_symlink(fs::temp_directory_path(),
                       cluster.data_dir() + "/escape");
    CtlFails(target, {"save", "escape/model"}, "PERMISSION_DENIED",
             "is outside the data directory");
    CtlFails(target, {"restore", "nothing/here"}, "NOT_FOUND",
             "nothing/here.index; No such file or directory");
    CHECK_FALSE(fs::exists(cluster.dir().path() + "/outside.data-ps-0"));
  }

  TEST_CASE(
      "cluster: checkpoints: max_to_keep keeps the newest, listed newest "
      "first, the latest restorable as listed") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"variable-create", "step", "--dtype", "int32", "--shape", "[]"});
    for (int step = 1; step <= 4; ++step) {
      CtlLine(target, {"assign", "step", std::to_string(step)});
      CtlLine(target,
              {"save", absl::StrCat("run/model-", step), "--max-to-keep", "2"});
    }
    json listed = CtlJson(target, {"checkpoints", "run"});
    CHECK(listed["latest"] == "run/model-4");
    REQUIRE(listed["checkpoints"].size() == 2);
    CHECK(listed["checkpoints"][0]["prefix"] == "run/model-4");
    CHECK(listed["checkpoints"][0]["latest"] == true);
    CHECK(listed["checkpoints"][1]["prefix"] == "run/model-3");
    CHECK(listed["checkpoints"][1]["latest"] == false);
    CHECK_FALSE(fs::exists(cluster.data_dir() + "/run/model-1.data-ps-0"));
    CHECK_FALSE(fs::exists(cluster.data_dir() + "/run/model-2.index"));
    CtlLine(target, {"assign", "step", "0"});
    CtlLine(target, {"restore", listed["checkpoints"][1]["prefix"]});
    CHECK(CtlLine(target, {"read", "step"}) == "3");

    Session session(target);
    Saver saver(session);
    auto latest = saver.latest_checkpoint("run");
    REQUIRE_OK(latest);
    CHECK(*latest == "run/model-4");
    CHECK(absl::IsNotFound(saver.latest_checkpoint("empty").status()));
  }

  TEST_CASE(
      "cluster: checkpoints: a cluster-wide save writes a shard on each task "
      "and restores each on its own") {
    LocalCluster cluster({{"ps", 2}});
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target("ps", 0));
    Variable a(session, {DT_FLOAT, {2}, "a", "/job:ps/task:0", ""});
    Variable b(session, {DT_FLOAT, {2}, "b", "/job:ps/task:1", ""});
    REQUIRE_OK(a.assign(Tensor::FromVector<float>({2}, {1, 2})));
    REQUIRE_OK(b.assign(Tensor::FromVector<float>({2}, {3, 4})));
    json saved = CtlJson(cluster.target("ps", 0),
                         {"save", "all", "--cluster", cluster.spec_path()});
    CHECK(saved["tensors"] == 2);
    CHECK(fs::exists(cluster.data_dir("ps", 0) + "/all.data-ps-0"));
    CHECK(fs::exists(cluster.data_dir("ps", 1) + "/all.data-ps-1"));
    CHECK(fs::exists(cluster.data_dir("ps", 0) + "/all.index"));
    CHECK_FALSE(fs::exists(cluster.data_dir("ps", 1) + "/all.index"));

    REQUIRE_OK(a.assign(Tensor::FromVector<float>({2}, {0, 0})));
    REQUIRE_OK(b.assign(Tensor::FromVector<float>({2}, {0, 0})));
    Saver saver(session);
    auto restored = saver.restore("all");
    REQUIRE_OK(restored);
    CHECK(*restored == 2);
    auto read_a = a.read();
    auto read_b = b.read();
    REQUIRE_OK(read_a);
    REQUIRE_OK(read_b);
    CHECK(*read_a == Tensor::FromVector<float>({2}, {1, 2}));
    CHECK(*read_b == Tensor::FromVector<float>({2}, {3, 4}));
  }

  TEST_CASE(
      "cluster: checkpoints: a task with --checkpoint-dir saves when it stops "
      "and restores before it serves, and an old handle is ABORTED naming the "
      "checkpoint") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    const std::vector<std::string> flags = {"--data-dir", cluster.data_dir(),
                                            "--checkpoint-dir", "auto"};
    auto first = std::make_unique<testing::TaskProcess>(
        cluster.spec_path(), "ps", 0, cluster.dir().path() + "/first.log",
        flags);
    REQUIRE(first->WaitReady());
    Session session(cluster.target());
    Variable v(session, {DT_INT32, {2}, "v", "/job:ps/task:0", ""});
    FIFOQueue q(
        session,
        QueueOptions{
            4, {DT_INT32}, {PartialShape{}}, "q", "/job:ps/task:0", ""});
    REQUIRE_OK(v.assign(Tensor::FromVector<int32_t>({2}, {3, 4})));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}, kLong));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(2)}, kLong));
    CHECK(first->process().Stop(SIGTERM) == 0);
    CHECK(absl::StrContains(first->Log(), "saved checkpoint auto/auto-"));
    first.reset();

    testing::TaskProcess second(cluster.spec_path(), "ps", 0,
                                cluster.dir().path() + "/second.log", flags);
    REQUIRE(second.WaitReady());
    CHECK(absl::StrContains(second.Log(), "restored checkpoint auto/auto-"));
    auto aborted = v.read();
    REQUIRE_FALSE(aborted.ok());
    CHECK(absl::IsAborted(aborted.status()));
    CHECK(absl::StrContains(aborted.status().message(),
                            "; the task restored checkpoint auto/auto-"));
    auto value = v.read();
    REQUIRE_OK(value);
    CHECK(*value == Tensor::FromVector<int32_t>({2}, {3, 4}));
    CHECK(absl::IsAborted(q.size().status()));
    auto one = q.dequeue(kLong);
    REQUIRE_OK(one);
    CHECK((*one)[0] == Tensor::Scalar<int32_t>(1));
  }

  TEST_CASE("cluster: checkpoints: --checkpoint-every needs --checkpoint-dir") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    testing::CommandResult result =
        testing::RunTroupe({"task", "--cluster", cluster.spec_path(), "--job",
                            "ps", "--task", "0", "--checkpoint-every", "1s"});
    CHECK(result.exit_code == 2);
    CHECK(absl::StrContains(result.err,
                            "--checkpoint-every needs --checkpoint-dir"));
  }

  TEST_CASE(
      "cluster: checkpoints: kill -9 while saving never leaves the latest "
      "checkpoint unreadable") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    const std::string data = cluster.data_dir();
    // 4 MiB, so that a kill often lands in the middle of writing it.
    std::string big = "[";
    for (int i = 0; i < (1 << 20); ++i) absl::StrAppend(&big, i ? "," : "", i);
    big += "]";
    for (int round = 0; round < 5; ++round) {
      CAPTURE(round);
      testing::TaskProcess task(
          cluster.spec_path(), "ps", 0,
          absl::StrCat(cluster.dir().path(), "/kill", round, ".log"),
          {"--data-dir", data});
      REQUIRE(task.WaitReady());
      const std::string target = cluster.target();
      if (round == 0) {
        CtlLine(target, {"variable-create", "v", "--dtype", "int32", "--shape",
                         "[1048576]"});
        CtlLine(target, {"assign", "v", "-"}, big);
        CtlLine(target, {"save", "kill/model-0"});
      } else {
        CtlLine(target, {"restore", "kill/model-0"});
      }
      // Saves in a loop until the task dies under them.
      auto saving = std::async(std::launch::async, [&] {
        for (int i = 1;; ++i) {
          auto result = testing::RunCtl(
              target, {"save", absl::StrCat("kill/model-", round, "-", i)});
          if (!result.ok()) return i;
        }
      });
      // Kill as soon as one more checkpoint than before is being made.
      const size_t before = std::distance(
          fs::directory_iterator(data + "/kill"), fs::directory_iterator());
      REQUIRE(WaitUntil([&] {
        return static_cast<size_t>(
                   std::distance(fs::directory_iterator(data + "/kill"),
                                 fs::directory_iterator())) > before;
      }));
      task.process().Signal(SIGKILL);
      REQUIRE(task.process().WaitExit(kLong).has_value());
      REQUIRE(testing::ReadyWithin(saving, kLong));
    }
    // Whatever the kills interrupted, the latest checkpoint restores.
    testing::TaskProcess task(cluster.spec_path(), "ps", 0,
                              cluster.dir().path() + "/last.log",
                              {"--data-dir", data});
    REQUIRE(task.WaitReady());
    const std::string target = cluster.target();
    json listed = CtlJson(target, {"checkpoints", "kill"});
    REQUIRE(listed["latest"].is_string());
    CtlLine(target, {"restore", listed["latest"].get<std::string>()});
    json value = CtlJson(target, {"read", "v"});
    REQUIRE(value.size() == (1u << 20));
    CHECK(value[12345] == 12345);
  }
}

}  // namespace
}  // namespace troupe
