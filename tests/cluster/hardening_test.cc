// Process-level regression tests for the faults a hostile user found
// (hardening issue): each bad input gets a clear error, nothing in the queue
// is lost, and the task keeps serving.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include <future>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/session_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::CtlFails;
using testing::CtlJson;
using testing::CtlLine;
using testing::LocalCluster;
using testing::Process;
using testing::RunTroupe;

// `queue-create NAME` of a float32 padding queue of capacity 10 and `shape`.
std::vector<std::string> CreatePaddingQueue(const std::string& name,
                                            const std::string& shape) {
  return {"queue-create", name,       "--type",  "padding_fifo", "--capacity",
          "10",           "--dtypes", "float32", "--shapes",     shape};
}

// A JSON array holding `count` copies of `item`.
std::string Repeated(const std::string& item, int count) {
  return absl::StrCat(
      "[", absl::StrJoin(std::vector<std::string>(count, item), ","), "]");
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: hardening: a padded batch past the task's memory limit is "
      "RESOURCE_EXHAUSTED and the elements stay") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, CreatePaddingQueue("p", "[[null,null]]"));
    // [1,2^20] and [2^20,1] pad to [2,2^20,2^20]: 8 TiB of float32.
    const int n = 1 << 20;
    CtlLine(target, {"enqueue", "p", "-"},
            absl::StrCat("[[", Repeated("0", n), "]]"));
    CtlLine(target, {"enqueue", "p", "-"},
            absl::StrCat("[", Repeated("[0]", n), "]"));
    CtlFails(target, {"dequeue-many", "p", "2"}, "RESOURCE_EXHAUSTED",
             "PaddingFIFOQueue 'p': the batch of 2 elements, padded to "
             "[2,1048576,1048576] in component 0, would take 8796093022208 "
             "bytes, more than the task's memory limit of");
    CHECK(CtlLine(target, {"size", "p"}) == "2");
    json first = CtlJson(target, {"dequeue", "p"});
    CHECK(first[0].size() == 1);
    CHECK(first[0][0].size() == static_cast<size_t>(n));
    CHECK(CtlLine(target, {"size", "p"}) == "1");
    REQUIRE(cluster.task()->process().Running());
  }

  TEST_CASE(
      "cluster: hardening: elements with no bytes whose padded batch has "
      "10^12 cells are refused before they leave the queue") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, CreatePaddingQueue("z", "[[null,null,null,0]]"));
    const int n = 10000;
    // [N,1,1,0], [1,N,1,0] and [1,1,N,0] pad to [3,N,N,N,0].
    CtlLine(target, {"enqueue", "z", "-"},
            absl::StrCat("[", Repeated("[[[]]]", n), "]"));
    CtlLine(target, {"enqueue", "z", "-"},
            absl::StrCat("[[", Repeated("[[]]", n), "]]"));
    CtlLine(target, {"enqueue", "z", "-"},
            absl::StrCat("[[[", Repeated("[]", n), "]]]"));
    CtlFails(target, {"dequeue-many", "z", "3"}, "RESOURCE_EXHAUSTED",
             "padded to [3,10000,10000,10000,0] in component 0, would take "
             "12000000000000 bytes");
    CHECK(CtlLine(target, {"size", "z"}) == "3");
    // Each one alone prints: the task is still serving.
    json one = CtlJson(target, {"dequeue", "z"});
    CHECK(one[0].size() == static_cast<size_t>(n));
  }

  TEST_CASE(
      "cluster: hardening: ctl list shows the elements a waiting dequeue_many "
      "holds beyond the capacity") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "2", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    Session session(target);
    FIFOQueue q(
        session,
        QueueOptions{
            2, {DT_INT32}, {PartialShape{}}, "q", "/job:ps/task:0", ""});
    auto waiting = std::async(std::launch::async, [&q] {
      return q.dequeue_many(500, absl::Seconds(60)).status();
    });
    for (int i = 0; i < 5; ++i)
      CtlLine(target, {"enqueue", "q", absl::StrCat("[", i, "]")});
    json list = CtlJson(target, {"list"});
    REQUIRE(list.size() == 1);
    CHECK(list[0]["size"] == 0);
    CHECK(list[0]["held"] == 5);
    CHECK(list[0]["waiting_dequeues"] == 1);
    // Closing fails the dequeue_many; what it held goes back, in order.
    CtlLine(target, {"close", "q"});
    REQUIRE(testing::ReadyWithin(waiting, absl::Seconds(15)));
    CHECK(absl::IsOutOfRange(waiting.get()));
    CHECK(CtlJson(target, {"dequeue-many", "q", "5"}) ==
          json::parse("[[0,1,2,3,4]]"));
  }

  TEST_CASE(
      "cluster: hardening: a queue shape whose element count overflows int64 "
      "is refused at creation") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    CtlFails(cluster.target(),
             {"queue-create", "big", "--capacity", "1", "--dtypes", "float32",
              "--shapes", "[[4611686018427387904,4]]"},
             "INVALID_ARGUMENT",
             "Queue big: Shape [4611686018427387904,4] has too many elements");
    CtlFails(cluster.target(),
             {"queue-create", "big", "--capacity", "1", "--dtypes", "float32",
              "--shapes", "[[0,4611686018427387904,4]]"},
             "INVALID_ARGUMENT", "has too many elements");
    CHECK(CtlJson(cluster.target(), {"list"}).empty());
  }

  TEST_CASE(
      "cluster: hardening: --memory-limit bounds a task's padded batches and "
      "refuses a bad value") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    CommandResult bad =
        RunTroupe({"task", "--cluster", cluster.spec_path(), "--job", "ps",
                   "--task", "0", "--memory-limit", "lots"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--memory-limit must be a number of bytes") !=
          std::string::npos);

    Process task(
        {testing::TroupeBinary(), "task", "--cluster", cluster.spec_path(),
         "--job", "ps", "--task", "0", "--memory-limit", "64KiB"},
        cluster.dir().path() + "/limited.log");
    REQUIRE_MESSAGE(task.WaitForLog({"serving on"}), task.Log());
    const std::string target = cluster.target();
    CtlLine(target, CreatePaddingQueue("p", "[[null]]"));
    CtlLine(target, {"enqueue-many", "p", "-"},
            absl::StrCat("[", Repeated("[0]", 3), "]"));
    CtlLine(target, {"enqueue", "p", "-"},
            absl::StrCat("[", Repeated("0", 8192), "]"));
    // 4 elements padded to 8192 float32 each: 131072 bytes > 65536.
    CtlFails(target, {"dequeue-many", "p", "4"}, "RESOURCE_EXHAUSTED",
             "would take 131072 bytes, more than the task's memory limit of "
             "65536 bytes; the elements stay in the queue");
    json two = CtlJson(target, {"dequeue-many", "p", "2"});
    CHECK(two[0] == json::parse("[[0],[0]]"));
    CHECK(CtlLine(target, {"size", "p"}) == "2");
  }
}

}  // namespace
}  // namespace troupe
