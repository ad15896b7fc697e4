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
using testing::PeakResidentBytes;
using testing::Process;
using testing::ResetPeakResident;
using testing::ResidentBytes;
using testing::RunTroupe;

// `queue-create NAME` of a float32 padding queue of capacity 10 and `shape`.
std::vector<std::string> CreatePaddingQueue(const std::string& name,
                                            const std::string& shape) {
  return {"queue-create", name,       "--type",  "padding_fifo", "--capacity",
          "10",           "--dtypes", "float32", "--shapes",     shape};
}

constexpr int64_t kMiB = 1024 * 1024;
// What a process's memory may grow by beyond a bound of a message's size.
constexpr int64_t kAllowance = 16 * kMiB;

// `troupe ctl --target TARGET ARGS...` run by GNU time, and the most memory
// it held in RAM, in bytes. (A child's own getrusage figure is no use: the
// test spawns it sharing the test's memory until it execs, and Linux keeps
// the larger high-water mark across exec.)
std::pair<CommandResult, int64_t> CtlPeak(const std::string& target,
                                          const std::vector<std::string>& args,
                                          const std::string& input = "") {
  std::vector<std::string> argv = {
      "/usr/bin/time", "-f",       "peak_kib=%M", testing::TroupeBinary(),
      "ctl",           "--target", target};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = testing::RunCommand(argv, input, absl::Seconds(60));
  const std::string marker = "peak_kib=";
  const size_t at = result.err.rfind(marker);
  const int64_t peak =
      at == std::string::npos
          ? -1
          : std::stoll(result.err.substr(at + marker.size())) * 1024;
  return {std::move(result), peak};
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
  TEST_CASE(
      "cluster: hardening: 2.5M short strings cost the task at most 3x their "
      "message at its peak, 1.5x held, and ctl at most 3x their JSON") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    QueueOptions options;
    options.capacity = 1 << 22;
    options.dtypes = {DType::kString};
    options.shapes = {PartialShape{}};
    options.shared_name = "words";
    FIFOQueue words(session, options);

    constexpr int64_t kCount = 2'500'000;
    constexpr int64_t kLength = 16;
    StringList strings;
    strings.Reserve(kCount, kCount * kLength);
    for (int64_t i = 0; i < kCount; ++i) {
      std::string word = absl::StrCat(i);
      word.resize(kLength, '.');
      strings.Append(word);
    }
    const Tensor batch = Tensor::FromStrings({kCount}, std::move(strings));
    // The message's bytes: the strings and the 8-byte length of each.
    const int64_t message = kCount * (kLength + 8);
    const pid_t pid = cluster.task()->process().pid();

    const int64_t before = ResidentBytes(pid);
    REQUIRE(ResetPeakResident(pid));
    REQUIRE_OK(words.enqueue_many({batch}));
    const int64_t held = ResidentBytes(pid) - before;
    const int64_t peak = PeakResidentBytes(pid) - before;
    MESSAGE("enqueue_many of ", message / kMiB, " MiB: the task holds +",
            held / kMiB, " MiB, its peak +", peak / kMiB, " MiB");
    const int64_t before_dequeue = ResidentBytes(pid);
    REQUIRE(ResetPeakResident(pid));
    auto out = words.dequeue_many(kCount);
    REQUIRE_OK(out);
    CHECK((*out)[0] == batch);
    const int64_t dequeue_peak = PeakResidentBytes(pid) - before_dequeue;
    MESSAGE("dequeue_many: the task's peak +", dequeue_peak / kMiB, " MiB");

    // The same words through ctl's JSON: 500 000 of them, as text.
    constexpr int64_t kCtlCount = 500'000;
    std::string text = "[[";
    for (int64_t i = 0; i < kCtlCount; ++i) {
      absl::StrAppend(&text, i == 0 ? "" : ",", "\"",
                      batch.strings()[static_cast<size_t>(i)], "\"");
    }
    text += "]]";
    const auto [idle, idle_peak] = CtlPeak(cluster.target(), {"size", "words"});
    REQUIRE_MESSAGE(idle_peak > 0, idle.Describe());
    const auto [in, in_peak] =
        CtlPeak(cluster.target(), {"enqueue-many", "words", "-"}, text);
    REQUIRE_MESSAGE(in_peak > 0, in.Describe());
    const auto [back, back_peak] = CtlPeak(
        cluster.target(), {"dequeue-many", "words", absl::StrCat(kCtlCount)});
    REQUIRE_MESSAGE(back_peak > 0, back.Describe());
    CHECK(back.out.size() > text.size());
    const int64_t ctl_in = in_peak - idle_peak;
    const int64_t ctl_out = back_peak - idle_peak;
    MESSAGE("ctl: ", idle_peak / kMiB, " MiB at its peak for a size; with ",
            text.size() / kMiB, " MiB of JSON: +", ctl_in / kMiB, " MiB in, +",
            ctl_out / kMiB, " MiB out");
#if !defined(__SANITIZE_ADDRESS__)
    // (AddressSanitizer's quarantine and shadow memory make these figures
    // meaningless under it.)
    CHECK(held <= message * 3 / 2 + kAllowance);
    CHECK(peak <= 3 * message + kAllowance);
    CHECK(dequeue_peak <= 3 * message + kAllowance);
    const int64_t json_bytes = static_cast<int64_t>(text.size());
    CHECK(ctl_in <= 3 * json_bytes + kAllowance);
    CHECK(ctl_out <= 3 * json_bytes + kAllowance);
#endif
  }
  TEST_CASE(
      "cluster: hardening: 2M small integers cost ctl at most 3x their JSON "
      "in and out") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    CtlLine(cluster.target(),
            {"queue-create", "numbers", "--capacity", "4194304", "--dtypes",
             "int32", "--shapes", "[[]]"});
    constexpr int64_t kCount = 2'000'000;
    std::string text = "[[";
    for (int64_t i = 0; i < kCount; ++i) {
      absl::StrAppend(&text, i == 0 ? "" : ",", i % 1000);
    }
    text += "]]";
    const auto [idle, idle_peak] =
        CtlPeak(cluster.target(), {"size", "numbers"});
    REQUIRE_MESSAGE(idle_peak > 0, idle.Describe());
    const auto [in, in_peak] =
        CtlPeak(cluster.target(), {"enqueue-many", "numbers", "-"}, text);
    REQUIRE_MESSAGE(in_peak > 0, in.Describe());
    CHECK(in.out == absl::StrCat(R"({"enqueued":)", kCount, "}\n"));
    const auto [back, back_peak] = CtlPeak(
        cluster.target(), {"dequeue-many", "numbers", absl::StrCat(kCount)});
    REQUIRE_MESSAGE(back_peak > 0, back.Describe());
    CHECK(back.out == text + "\n");
    const int64_t json_bytes = static_cast<int64_t>(text.size());
    const int64_t ctl_in = in_peak - idle_peak;
    const int64_t ctl_out = back_peak - idle_peak;
    MESSAGE("ctl: ", idle_peak / kMiB, " MiB at its peak for a size; with ",
            json_bytes / kMiB, " MiB of JSON (", kCount, " int32): +",
            ctl_in / kMiB, " MiB in, +", ctl_out / kMiB, " MiB out");
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(ctl_in <= 3 * json_bytes + kAllowance);
    CHECK(ctl_out <= 3 * json_bytes + kAllowance);
#endif
  }
}

}  // namespace
}  // namespace troupe
