// RandomShuffleQueue, PaddingFIFOQueue and PriorityQueue served by a real
// `troupe task`, through `troupe ctl` and through the C++ classes.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using nlohmann::json;
using testing::CtlFails;
using testing::CtlJson;
using testing::CtlLine;
using testing::LocalCluster;

TEST_SUITE("cluster") {
  TEST_CASE("cluster: ctl serves a priority queue, smallest priority first") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CHECK(CtlLine(target, {"queue-create", "jobs", "--type", "priority",
                           "--capacity", "10", "--dtypes", "string", "--shapes",
                           "[[]]"}) == R"({"created":true})");
    CtlLine(target, {"enqueue", "jobs", R"([5, "e"])"});
    CtlLine(target,
            {"enqueue-many", "jobs", R"([[3, 9, 3], ["c", "z", "d"]])"});
    CHECK(CtlJson(target, {"dequeue-many", "jobs", "3"}) ==
          json::parse(R"([[3,3,5],["c","d","e"]])"));
    CtlFails(target, {"enqueue", "jobs", R"([[1, 2], "x"])"},
             "INVALID_ARGUMENT",
             "Shape mismatch in tuple component 0. Expected [], got [2]");
    json list = CtlJson(target, {"list"});
    REQUIRE(list.size() == 1);
    CHECK(list[0]["kind"] == "PriorityQueue");
    CHECK(list[0]["dtypes"] == json::parse(R"(["int64","string"])"));
    CHECK(list[0]["size"] == 1);
  }

  TEST_CASE("cluster: ctl serves a padding queue and pads its batches") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"queue-create", "p", "--type", "padding_fifo", "--capacity", "10",
             "--dtypes", "int32", "--shapes", "[[null,null]]"});
    CtlLine(target, {"enqueue", "p", "[[[1,2],[3,4],[5,6]]]"});
    CtlLine(target, {"enqueue", "p", "[[[7]]]"});
    CHECK(CtlJson(target, {"dequeue-many", "p", "2"}) ==
          json::parse("[[[[1,2],[3,4],[5,6]],[[7,0],[0,0],[0,0]]]]"));
    CtlFails(target,
             {"queue-create", "bad", "--type", "padding_fifo", "--capacity",
              "10", "--dtypes", "int32"},
             "INVALID_ARGUMENT", "Shapes must be provided for all components");
  }

  TEST_CASE(
      "cluster: ctl serves a shuffle queue that keeps min_after_dequeue until "
      "closed") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "s", "--type", "random_shuffle",
                     "--capacity", "50", "--min-after-dequeue", "10", "--seed",
                     "7", "--dtypes", "float32", "--shapes", "[[]]"});
    std::vector<float> values;
    for (int i = 1; i <= 22; ++i) values.push_back(static_cast<float>(i));
    CtlLine(target, {"enqueue-many", "s", json::array({values}).dump()});
    json first = CtlJson(target, {"dequeue-many", "s", "5"});
    json second = CtlJson(target, {"dequeue-many", "s", "5"});
    CtlFails(target, {"--timeout", "200ms", "dequeue-many", "s", "5"},
             "DEADLINE_EXCEEDED", "RandomShuffleQueue 's'");
    CHECK(CtlLine(target, {"size", "s"}) == "12");
    CtlLine(target, {"close", "s"});
    json rest = CtlJson(target, {"dequeue-up-to", "s", "20"});
    std::multiset<float> seen;
    for (const json& batch : {first, second, rest}) {
      for (float value : batch[0]) seen.insert(value);
    }
    CHECK(seen == std::multiset<float>(values.begin(), values.end()));
    CtlFails(target,
             {"queue-create", "t", "--type", "random_shuffle", "--capacity",
              "5", "--min-after-dequeue", "5", "--dtypes", "float32"},
             "INVALID_ARGUMENT", "min_after_dequeue 5 must be < capacity 5");
    CtlFails(target,
             {"queue-create", "s", "--type", "random_shuffle", "--capacity",
              "50", "--min-after-dequeue", "3", "--seed", "7", "--dtypes",
              "float32", "--shapes", "[[]]"},
             "INVALID_ARGUMENT",
             "has min_after_dequeue 10 but requested min_after_dequeue was 3.");
  }

  TEST_CASE(
      "cluster: two shuffle queues with the same seed give the same order") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    std::vector<std::vector<float>> orders;
    for (const char* name : {"a", "b"}) {
      QueueOptions options;
      options.capacity = 20;
      options.dtypes = {DT_FLOAT};
      options.shapes = {{}};
      options.shared_name = name;
      options.seed = 1729;
      RandomShuffleQueue q(session, options);
      std::vector<float> values;
      for (int i = 0; i < 20; ++i) values.push_back(static_cast<float>(i));
      REQUIRE(q.enqueue_many({Tensor::FromVector<float>({20}, values)}).ok());
      auto batch = q.dequeue_many(20);
      REQUIRE(batch.ok());
      auto out = (*batch)[0].flat<float>();
      orders.emplace_back(out.begin(), out.end());
    }
    CHECK(orders[0] == orders[1]);
    std::vector<float> sorted = orders[0];
    std::sort(sorted.begin(), sorted.end());
    CHECK(orders[0] != sorted);
  }
}

}  // namespace
}  // namespace troupe
