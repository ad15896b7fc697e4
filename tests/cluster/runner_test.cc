// Process-level tests of queue runners and coordinators (`troupe ctl
// runner-*`, troupe::QueueRunner) on a real task: the book's cells 23 and 24,
// producers and their epochs, a missing file that closes the target with
// its cause after what is queued, a stop that cancels a waiting step without
// losing an element, and the errors of a spec no task can run.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::CtlFails;
using testing::CtlJson;
using testing::CtlLine;
using testing::LocalCluster;
using testing::RunCtl;
using testing::WaitUntil;

// The book's my_test.csv (DATA_LOADING.md §6).
constexpr char kMyTestCsv[] =
    "x1, x2 , target\n1.,, 0\n4., 5. , 1\n7., 8. , 0\n";

// Cells 20-24: x1 and x2 stacked into a float32[2], the target an int32.
constexpr char kDecodeAndStack[] =
    R"("decode_csv": {"dtypes": ["float32", "float32", "int32"],
                      "defaults": [[-1.0], [-1.0], [-1]]},
       "components": [[0, 1], 2])";

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The book's queues: a closed filename queue holding `files`, and
// instance_q (a RandomShuffleQueue, capacity 10, min_after_dequeue 2).
void MakeBookQueues(const std::string& target,
                    const std::vector<std::string>& files) {
  CtlLine(target, {"queue-create", "filenames", "--capacity", "10", "--dtypes",
                   "string", "--shapes", "[[]]"});
  CtlLine(target, {"enqueue-many", "filenames", json::array({files}).dump()});
  CtlLine(target, {"close", "filenames"});
  CtlLine(target, {"queue-create", "instance_q", "--type", "random_shuffle",
                   "--capacity", "10", "--min-after-dequeue", "2", "--dtypes",
                   "float32,int32", "--shapes", "[[2],[]]"});
}

// my_test.csv in the data dir, the book's queues over it and one shared
// TextLineReader "reader" skipping the header (cell 23).
void MakeBookPipeline(LocalCluster& cluster) {
  WriteFile(cluster.data_dir() + "/my_test.csv", kMyTestCsv);
  MakeBookQueues(cluster.target(), {"my_test.csv"});
  CtlLine(cluster.target(), {"reader-create", "reader", "--type", "text_line",
                             "--skip-header-lines", "1"});
}

// The book's loop: dequeue_up_to(2) until the queue fails, collecting each
// batch's size and every instance as "[x1,x2]:target".
struct Drained {
  std::vector<size_t> sizes;
  std::vector<std::string> instances;
  CommandResult last;
};

Drained DrainUpTo2(const std::string& target, const std::string& queue) {
  Drained drained;
  for (int i = 0; i < 10; ++i) {
    drained.last =
        RunCtl(target, {"dequeue-up-to", queue, "2", "--timeout", "20s"});
    if (drained.last.exit_code != 0) break;
    json batch = json::parse(drained.last.out);
    drained.sizes.push_back(batch[1].size());
    for (size_t j = 0; j < batch[1].size(); ++j) {
      drained.instances.push_back(batch[0][j].dump() + ":" +
                                  batch[1][j].dump());
    }
  }
  std::sort(drained.instances.begin(), drained.instances.end());
  return drained;
}

const std::vector<std::string> kBookInstances = {"[1.0,-1.0]:0", "[4.0,5.0]:1",
                                                 "[7.0,8.0]:0"};

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: runners: the book's cell 23, five threads sharing one reader, "
      "fill instance_q and close it when the file ends") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    MakeBookPipeline(cluster);
    CHECK(CtlJson(target, {"runner-start", "r",
                           std::string(R"({"target": "instance_q",
                                           "threads": 5,
                                           "source": {"reader": "reader",
                                                      "queue": "filenames"},)") +
                               kDecodeAndStack + "}"}) ==
          json{{"started", true}, {"state", "running"}});
    Drained drained = DrainUpTo2(target, "instance_q");
    // Sizes 2, then 1 (DATA_LOADING.md §6), then the end.
    CHECK(drained.sizes == std::vector<size_t>{2, 1});
    CHECK(drained.instances == kBookInstances);
    CHECK(absl::StartsWith(drained.last.FirstErrLine(), "OUT_OF_RANGE: "));
    CHECK(CtlJson(target, {"runner-join", "r", "--timeout", "20s"}) ==
          json{{"state", "finished"}, {"steps", 3}, {"error", nullptr}});
    bool listed = false;
    for (const json& entry : CtlJson(target, {"list"})) {
      if (entry["name"] == "r") {
        listed = true;
        CHECK(entry["kind"] == "QueueRunner");
        CHECK(entry["state"] == "finished");
        CHECK(entry["steps"] == 3);
      }
    }
    CHECK(listed);
    // A reset forgets it.
    CtlLine(target, {"reset"});
    CtlFails(target, {"runner-status", "r"}, "NOT_FOUND",
             "Runner 'r' not found in container ''");
  }

  TEST_CASE(
      "cluster: runners: read_up_to batches stack their columns row by row "
      "into one component") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    MakeBookPipeline(cluster);
    CtlLine(target, {"runner-start", "r",
                     std::string(R"({"target": "instance_q", "threads": 1,
                                     "source": {"reader": "reader",
                                                "queue": "filenames",
                                                "up_to": 3},)") +
                         kDecodeAndStack + "}"});
    CHECK(CtlJson(target, {"runner-join", "r", "--timeout", "20s"}) ==
          json{{"state", "finished"}, {"steps", 1}, {"error", nullptr}});
    Drained drained = DrainUpTo2(target, "instance_q");
    CHECK(drained.instances == kBookInstances);
  }

  TEST_CASE(
      "cluster: runners: the book's cell 24, a reader of its own per thread, "
      "reads every record once") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    WriteFile(cluster.data_dir() + "/my_test.csv", kMyTestCsv);
    MakeBookQueues(target, {"my_test.csv"});
    CtlLine(target, {"runner-start", "r",
                     std::string(R"({"target": "instance_q", "threads": 5,
                             "source": {"reader": {"type": "text_line",
                                                   "skip_header_lines": 1},
                                        "queue": "filenames"},)") +
                         kDecodeAndStack + "}"});
    Drained drained = DrainUpTo2(target, "instance_q");
    CHECK(drained.instances == kBookInstances);
    CHECK(CtlJson(target, {"runner-join", "r", "--timeout", "20s"})["state"] ==
          "finished");
  }

  TEST_CASE(
      "cluster: runners: a missing file closes the target with its cause "
      "after the elements queued, and stops the coordinator's other runners") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    WriteFile(cluster.data_dir() + "/my_test.csv", kMyTestCsv);
    MakeBookQueues(target, {"my_test.csv", "missing.csv"});
    // A second runner of the coordinator waits on an empty, open queue.
    CtlLine(target, {"queue-create", "empty", "--capacity", "5", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CtlLine(target, {"queue-create", "copies", "--capacity", "5", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CtlLine(target, {"runner-start", "waiting",
                     R"({"target": "copies", "coordinator": "c",
                 "source": {"dequeue": "empty"}})"});
    CHECK(CtlJson(target, {"coordinator-status", "c"})["state"] == "running");
    CtlLine(target, {"runner-start", "reading",
                     std::string(R"({"target": "instance_q", "coordinator": "c",
                             "source": {"reader": {"type": "text_line",
                                                   "skip_header_lines": 1},
                                        "queue": "filenames"},)") +
                         kDecodeAndStack + "}"});
    Drained drained = DrainUpTo2(target, "instance_q");
    CHECK(drained.instances == kBookInstances);
    CHECK(drained.last.FirstErrLine() ==
          "NOT_FOUND: missing.csv; No such file or directory (queue runner "
          "'reading' stopped on it)");
    CommandResult joined =
        RunCtl(target, {"coordinator-join", "c", "--timeout", "20s"});
    CHECK(joined.exit_code == 1);
    CHECK(absl::StartsWith(joined.FirstErrLine(), "NOT_FOUND: missing.csv"));
    CHECK(CtlJson(target, {"coordinator-status", "c"})["state"] == "failed");
    CHECK(CtlJson(target, {"runner-status", "waiting"})["state"] == "stopped");
    // The stopped runner's target has its cause too; its waiting dequeue was
    // withdrawn, so what `empty` gets now stays there.
    CtlFails(target, {"dequeue", "copies", "--timeout", "5s"}, "NOT_FOUND",
             "missing.csv");
    CtlLine(target, {"enqueue", "empty", "[5]"});
    CHECK(CtlJson(target, {"size", "empty"}) == 1);
    // A runner started on the stopped coordinator ends at once.
    CHECK(CtlJson(target, {"runner-start", "late",
                           R"({"target": "copies", "coordinator": "c",
                               "source": {"range": 3}})"}) ==
          json{{"started", true}, {"state", "stopped"}});
  }

  TEST_CASE(
      "cluster: runners: a coordinator stopped before any runner named it "
      "ends the runners started on it later at once") {
    // TensorFlow's request_stop() before create_threads
    // (QueueRunnerTest.testRespectCoordShouldStop).
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlFails(target, {"coordinator-status", "c"}, "NOT_FOUND",
             "Coordinator 'c' not found");
    CtlLine(target, {"coordinator-stop", "c", "--timeout", "20s"});
    CHECK(CtlJson(target, {"coordinator-status", "c"})["state"] == "stopped");
    CtlLine(target, {"queue-create", "numbers", "--capacity", "5", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CHECK(CtlJson(target, {"runner-start", "late",
                           R"({"target": "numbers", "coordinator": "c",
                               "source": {"range": 3}})"}) ==
          json{{"started", true}, {"state", "stopped"}});
    CHECK(CtlJson(target, {"size", "numbers"}) == 0);
    // A runner of another coordinator runs as ever.
    CHECK(CtlJson(target, {"runner-start", "other",
                           R"({"target": "numbers", "coordinator": "d",
                               "source": {"range": 3}, "shuffle": false})"})
              .value("started", false));
    CHECK(CtlJson(target, {"dequeue", "numbers", "--timeout", "20s"}) ==
          json::array({0}));
  }

  TEST_CASE(
      "cluster: runners: a stop cancels a step waiting upstream, silently, "
      "and loses no element") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    for (const char* name : {"a", "b"}) {
      CtlLine(target, {"queue-create", name, "--capacity", "5", "--dtypes",
                       "int32", "--shapes", "[[]]"});
    }
    CtlLine(target, {"runner-start", "copy",
                     R"({"target": "b", "threads": 3,
                         "source": {"dequeue": "a"}})"});
    CtlLine(target, {"enqueue", "a", "[1]"});
    CHECK(CtlJson(target, {"dequeue", "b", "--timeout", "20s"}) ==
          json::array({1}));
    CHECK(CtlJson(target, {"runner-stop", "copy", "--timeout", "20s"}) ==
          json{{"state", "stopped"}, {"steps", 1}, {"error", nullptr}});
    CtlLine(target, {"enqueue", "a", "[2]"});
    CHECK(CtlJson(target, {"size", "a"}) == 1);
    CtlFails(target, {"dequeue", "b"}, "OUT_OF_RANGE", "is closed");
    // Started again (into a new target), it runs: it has no coordinator
    // that stays stopped.
    CtlLine(target, {"queue-create", "c", "--capacity", "5", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CHECK(CtlJson(target, {"runner-start", "copy",
                           R"({"target": "c", "source": {"dequeue": "a"}})"}) ==
          json{{"started", true}, {"state", "running"}});
    CHECK(CtlJson(target, {"dequeue", "c", "--timeout", "20s"}) ==
          json::array({2}));
  }

  TEST_CASE(
      "cluster: runners: a task whose runners wait upstream stops on SIGTERM") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    WriteFile(cluster.data_dir() + "/my_test.csv", kMyTestCsv);
    CtlLine(target, {"queue-create", "filenames", "--capacity", "10",
                     "--dtypes", "string", "--shapes", "[[]]"});
    CtlLine(target, {"queue-create", "lines", "--capacity", "10", "--dtypes",
                     "string", "--shapes", "[[]]"});
    // Five threads with readers of their own wait for a filename.
    CtlLine(target, {"runner-start", "r",
                     R"({"target": "lines", "threads": 5,
                         "source": {"reader": {"type": "text_line"},
                                    "queue": "filenames"}})"});
    testing::Process& task = cluster.task()->process();
    task.Signal(SIGTERM);
    const std::optional<int> status = task.WaitExit(absl::Seconds(20));
    REQUIRE(status.has_value());
    CHECK(WIFEXITED(*status));
    CHECK(WEXITSTATUS(*status) == 0);
  }

  TEST_CASE(
      "cluster: runners: producers enqueue one epoch per step, shuffled per "
      "epoch, and close their target after num_epochs") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "names", "--capacity", "32", "--dtypes",
                     "string", "--shapes", "[[]]"});
    CtlLine(target, {"runner-start", "producer",
                     R"({"target": "names", "num_epochs": 2, "shuffle": false,
                         "source": {"strings": ["a", "b", "c"]}})"});
    CHECK(CtlJson(target, {"runner-join", "producer", "--timeout", "20s"}) ==
          json{{"state", "finished"}, {"steps", 2}, {"error", nullptr}});
    CHECK(CtlJson(target, {"dequeue-up-to", "names", "10"}) ==
          json::array({json::array({"a", "b", "c", "a", "b", "c"})}));

    CtlLine(target, {"queue-create", "numbers", "--capacity", "32", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CtlLine(target, {"runner-start", "range",
                     R"({"target": "numbers", "num_epochs": 3, "seed": 7,
                         "source": {"range": 5}})"});
    CtlLine(target, {"runner-join", "range", "--timeout", "20s"});
    json all = CtlJson(target, {"dequeue-up-to", "numbers", "20"})[0];
    REQUIRE(all.size() == 15);
    // A runner that failed (strings into an int32 queue, which it closes
    // with the error) starts again, into another queue.
    CtlLine(target, {"queue-create", "more", "--capacity", "5", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CtlLine(target, {"runner-start", "retried",
                     R"({"target": "numbers", "source": {"strings": ["x"]}})"});
    CommandResult failed =
        RunCtl(target, {"runner-join", "retried", "--timeout", "20s"});
    CHECK(failed.exit_code == 1);
    CHECK(absl::StartsWith(failed.FirstErrLine(), "INVALID_ARGUMENT: "));
    CHECK(CtlJson(target, {"runner-start", "retried",
                           R"({"target": "more", "num_epochs": 1,
                               "source": {"range": 1}})"}) ==
          json{{"started", true}, {"state", "running"}});
    CHECK(CtlJson(target, {"runner-join", "retried", "--timeout",
                           "20s"})["state"] == "finished");
    // Each epoch is a permutation of 0..4: epochs never mix.
    for (int epoch = 0; epoch < 3; ++epoch) {
      std::vector<int> values;
      for (int i = 0; i < 5; ++i) values.push_back(all[epoch * 5 + i]);
      std::sort(values.begin(), values.end());
      CHECK(values == std::vector<int>{0, 1, 2, 3, 4});
    }
  }

  TEST_CASE("cluster: troupe ctl decode-csv decodes like the book's cell 19") {
    // No task needed: decode-csv runs in the client.
    CHECK(CtlJson("", {"decode-csv", R"("1.,,44")", "--dtypes",
                       "float32,int32,int32", "--defaults",
                       "[[5.0],[6],[7]]"}) == json::array({1.0, 6, 44}));
    CHECK(CtlJson("", {"decode-csv", R"(["1;x", "2;\"y;z\""])", "--dtypes",
                       "int64,string", "--defaults", R"([[], [""]])",
                       "--field-delim", ";"}) ==
          json::array({json::array({1, 2}), json::array({"x", "y;z"})}));
    CtlFails("",
             {"decode-csv", R"([",a"])", "--dtypes", "int32,string",
              "--defaults", R"([[], ["d"]])"},
             "INVALID_ARGUMENT",
             "Field 0 is required but missing in record 0!");
    CtlFails("", {"decode-csv", R"("1")", "--dtypes", "int32"},
             "INVALID_ARGUMENT", "decode-csv needs --dtypes and --defaults");
  }

  TEST_CASE("cluster: runners: specs no task can run are refused at start") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "5", "--dtypes",
                     "string", "--shapes", "[[]]"});
    CtlFails(
        target,
        {"runner-start", "r", R"({"target": "q", "source": {"strings": []}})"},
        "INVALID_ARGUMENT",
        "string_input_producer requires a non-null input tensor");
    CtlFails(target,
             {"runner-start", "r",
              R"({"target": "q", "num_epochs": -1,
                  "source": {"strings": ["a"]}})"},
             "INVALID_ARGUMENT", "num_epochs must be > 0 not -1");
    CtlFails(target,
             {"runner-start", "r",
              R"({"target": "nowhere", "source": {"strings": ["a"]}})"},
             "NOT_FOUND", "Queue 'nowhere' in container ''");
    CtlFails(target,
             {"runner-start", "r",
              R"({"target": "q", "source": {"dequeue": "a"}, "thread": 2})"},
             "INVALID_ARGUMENT", "unknown field \"thread\"");
    CtlFails(target, {"runner-status", "r"}, "NOT_FOUND", "Runner 'r'");
  }
}

}  // namespace
}  // namespace troupe
