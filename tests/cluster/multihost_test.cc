// The multi-host test (issue 4): the ps task, the worker task and the clients
// on three hosts of a real (namespaced) network, then a cut cable.
//
// The network (tests/cluster/netns.h): hosts "ps" (10.77.1.2), "worker"
// (10.77.2.2) and "client" (10.77.3.2), each a network namespace cabled by a
// veth pair to a router namespace, each on its own /24. The cluster spec puts
// /job:ps/task:0 on 10.77.1.2:2222 and /job:worker/task:0 on 10.77.2.2:2222:
// the same port, different hosts. Every client (the examples' loader and
// trainer, `troupe ctl`) runs on the client host and targets the worker only;
// shared_q is placed on the ps task, so each session asks the worker where the
// ps task is and connects to it across the router.
//
// The cut pulls the ps host's cable (its end of the link goes down, the
// router's port loses carrier). No RST or FIN reaches anyone, so only CAF's
// heartbeats (every 500 ms, a peer dropped after 4 s of silence) notice: a
// dequeue waiting on the ps task fails UNAVAILABLE. A new request fails
// UNAVAILABLE once the router has given up resolving the ps host (ARP, about
// 3 s) and answers "host unreachable"; the worker keeps answering. (On a flat
// network with no router nothing would answer at all: there the session's
// connect gives up after the heartbeat timeout, 4 s, see net/connect.h.)
// Plugged back in, the ps task serves the same queue again, and the consumer
// lost with the link has taken no element.
//
// Needs root (CAP_SYS_ADMIN) and iproute2; where the machine does not allow
// network namespaces each test says so and passes without checking anything.
#include <sys/wait.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "tests/cluster/netns.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::HostNetwork;
using testing::Process;
using testing::TroupeBinary;

constexpr char kPs[] = "/job:ps/task:0";
const absl::Duration kLong = absl::Seconds(30);

// An example program built next to the troupe binary.
std::string Example(const std::string& name) {
  return (std::filesystem::path(TroupeBinary()).parent_path() / name).string();
}

int ExitCode(const std::optional<int>& status) {
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

// The three hosts, with the ps and the worker task serving on theirs.
class Hosts {
 public:
  Hosts() : network_({"ps", "worker", "client"}) {
    if (!network_.ok()) return;
    spec_ = dir_.Write(
        "cluster.json",
        absl::StrCat(R"({"cluster": {"ps": [")", target("ps"),
                     R"("], "worker": [")", target("worker"), "\"]}}\n"));
    ps_ = StartTask("ps");
    worker_ = StartTask("worker");
    ready_ =
        ps_->WaitForLog({"serving on"}) && worker_->WaitForLog({"serving on"});
  }

  // Why the test cannot run here, or "" if it can.
  std::string SkipReason() const {
    return network_.ok() ? ""
                         : absl::StrCat(
                               "multi-host test skipped: cannot build "
                               "network namespaces: ",
                               network_.error());
  }
  bool ready() const { return ready_; }
  std::string Describe() const {
    return absl::StrCat("--- ps log ---\n", ps_ ? ps_->Log() : "",
                        "\n--- worker log ---\n",
                        worker_ ? worker_->Log() : "");
  }
  HostNetwork& network() { return network_; }

  // "ADDRESS:2222" of the task on `host`.
  std::string target(const std::string& host) const {
    return network_.address(host) + ":2222";
  }
  // Starts `argv` on the client host, its output to <dir>/<log>.
  std::unique_ptr<Process> OnClient(const std::vector<std::string>& argv,
                                    const std::string& log) const {
    return std::make_unique<Process>(network_.OnHost("client", argv),
                                     absl::StrCat(dir_.path(), "/", log));
  }
  // `troupe ctl --target TARGET ARGS...` run on the client host (or on
  // `host`).
  CommandResult Ctl(const std::string& target,
                    const std::vector<std::string>& args,
                    absl::Duration timeout = absl::Seconds(15),
                    const std::string& host = "client") const {
    std::vector<std::string> argv = {TroupeBinary(), "ctl", "--target", target};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(network_.OnHost(host, argv), "", timeout);
  }

 private:
  std::unique_ptr<Process> StartTask(const std::string& job) {
    return std::make_unique<Process>(
        network_.OnHost(job, {TroupeBinary(), "task", "--cluster", spec_,
                              "--job", job, "--task", "0"}),
        absl::StrCat(dir_.path(), "/", job, ".log"));
  }

  // Destroyed in reverse: the tasks, then the network, then the directory.
  testing::TempDir dir_;
  HostNetwork network_;
  std::string spec_;
  std::unique_ptr<Process> ps_;
  std::unique_ptr<Process> worker_;
  bool ready_ = false;
};

// Ctl on the client host, required to succeed with one line of output.
std::string CtlLine(const Hosts& hosts, const std::string& target,
                    const std::vector<std::string>& args) {
  CommandResult result = hosts.Ctl(target, args);
  INFO("troupe ctl ", absl::StrJoin(args, " "), ": ", result.Describe());
  REQUIRE(result.exit_code == 0);
  REQUIRE(CommandResult::Lines(result.out).size() == 1);
  CHECK(result.err.empty());
  return CommandResult::Lines(result.out)[0];
}

// A failed ctl run: exit status 1, nothing on stdout, "CODE: ..." on stderr.
void CheckFailed(const CommandResult& result, const std::string& code) {
  INFO(result.Describe());
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(absl::StartsWith(result.FirstErrLine(), code + ": "));
}

// How many dequeues wait on queue `name` of the ps task (-1: cannot tell).
int64_t WaitingDequeues(const Hosts& hosts, const std::string& name) {
  CommandResult list = hosts.Ctl(hosts.target("ps"), {"list"});
  if (!list.ok()) return -1;
  json infos = json::parse(list.out, nullptr, /*allow_exceptions=*/false);
  if (!infos.is_array()) return -1;
  for (const json& info : infos) {
    if (info.value("name", "") == name) {
      return info.value("waiting_dequeues", int64_t{-1});
    }
  }
  return -1;
}

// False, saying why, where the machine allows no network namespaces.
bool Allowed(const Hosts& hosts) {
  if (hosts.SkipReason().empty()) return true;
  MESSAGE(hosts.SkipReason());
  return false;
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: multihost: the loader and the trainer on a client host share "
      "a queue on the ps host through the worker host") {
    Hosts hosts;
    if (!Allowed(hosts)) return;
    REQUIRE_MESSAGE(hosts.ready(), hosts.Describe());
    const std::string worker = hosts.target("worker");

    std::unique_ptr<Process> trainer =
        hosts.OnClient({Example("trainer"), worker, "2"}, "trainer.log");
    std::unique_ptr<Process> loader = hosts.OnClient(
        {Example("training_data_loader"), worker, "7"}, "loader.log");
    REQUIRE(trainer->started());
    REQUIRE(loader->started());
    const int loader_exit = ExitCode(loader->WaitExit(kLong));
    const int trainer_exit = ExitCode(trainer->WaitExit(kLong));
    INFO("--- loader ---\n", loader->Log(), "--- trainer ---\n", trainer->Log(),
         hosts.Describe());
    CHECK(loader_exit == 0);
    CHECK(trainer_exit == 0);
    CHECK(absl::StrContains(loader->Log(),
                            "loader: closed shared_q after 7 instances"));
    // Every instance, in order. Whether the last dequeue_many had taken
    // [13, 14] when the close came ("requested 1, current size 0") or not
    // ("requested 2, current size 1") is a race, as in TensorFlow.
    const std::vector<std::string> lines = CommandResult::Lines(trainer->Log());
    REQUIRE(lines.size() == 7);
    CHECK(lines[0] == "trainer: dequeue_many -> [[1, 2], [3, 4]]");
    CHECK(lines[1] == "trainer: dequeue_many -> [[5, 6], [7, 8]]");
    CHECK(lines[2] == "trainer: dequeue_many -> [[9, 10], [11, 12]]");
    CHECK(
        absl::StartsWith(lines[3],
                         "trainer: dequeue_many: OUT_OF_RANGE: FIFOQueue "
                         "'shared_q' is closed and has insufficient elements"));
    CHECK(lines[4] == "trainer: dequeue_up_to -> [[13, 14]]");
    CHECK(lines[5] ==
          "trainer: dequeue_up_to: OUT_OF_RANGE: FIFOQueue 'shared_q' is "
          "closed and has insufficient elements (requested 2, current size "
          "0)");
    CHECK(lines[6] == "trainer: received 7 instances");

    // The queue lives on the ps host, and only there.
    json on_ps = json::parse(CtlLine(hosts, hosts.target("ps"), {"list"}),
                             nullptr, /*allow_exceptions=*/false);
    REQUIRE(on_ps.is_array());
    REQUIRE(on_ps.size() == 1);
    CHECK(on_ps[0]["name"] == "shared_q");
    CHECK(on_ps[0]["closed"] == true);
    CHECK(on_ps[0]["size"] == 0);
    CHECK(CtlLine(hosts, worker, {"list"}) == "[]");
  }

  TEST_CASE(
      "cluster: multihost: shared memory stays within a host's network "
      "namespace, and a client of another host gets the same over TCP") {
    Hosts hosts;
    if (!Allowed(hosts)) return;
    REQUIRE_MESSAGE(hosts.ready(), hosts.Describe());
    const std::string ps = hosts.target("ps");
    // Segments of 4 bytes and more through shared memory, where it can be.
    const std::vector<std::string> tiny = {"--shared-memory-min-bytes", "4"};
    auto on_ps = [&](std::vector<std::string> args) {
      args.insert(args.end(), tiny.begin(), tiny.end());
      CommandResult result = hosts.Ctl(ps, args, absl::Seconds(15), "ps");
      INFO("troupe ctl on the ps host: ", result.Describe());
      REQUIRE(result.exit_code == 0);
      return CommandResult::Lines(result.out).at(0);
    };
    auto shared_in = [&] {
      json stats = json::parse(on_ps({"stats"}), nullptr, false);
      return stats["tasks"][0].value("shared_bytes_in", uint64_t{0});
    };
    on_ps({"queue-create", "q", "--capacity", "10", "--dtypes", "float32",
           "--shapes", "[[4]]"});
    // From the client host's namespace the task's Unix socket is out of
    // reach: forced, the client fails; by default it uses TCP.
    CheckFailed(hosts.Ctl(ps, {"--shared-memory", "force", "size", "q"}),
                "UNAVAILABLE");
    std::vector<std::string> enqueue = {"enqueue", "q", "[[1, 2, 3, 4]]"};
    enqueue.insert(enqueue.end(), tiny.begin(), tiny.end());
    CtlLine(hosts, ps, enqueue);
    CHECK(shared_in() == 0);
    // On the task's own host the same enqueue goes through a memfd.
    on_ps({"--shared-memory", "force", "enqueue", "q", "[[5, 6, 7, 8]]"});
    CHECK(shared_in() == 4 * sizeof(float));
    CHECK(CtlLine(hosts, ps, {"dequeue", "q"}) == "[[1.0,2.0,3.0,4.0]]");
    CHECK(CtlLine(hosts, ps, {"dequeue", "q"}) == "[[5.0,6.0,7.0,8.0]]");
  }

  TEST_CASE(
      "cluster: multihost: a cut link to the ps host is UNAVAILABLE through "
      "the heartbeats, and the ps host serves again when plugged back in") {
    Hosts hosts;
    if (!Allowed(hosts)) return;
    REQUIRE_MESSAGE(hosts.ready(), hosts.Describe());
    const std::string worker = hosts.target("worker");
    CHECK(CtlLine(hosts, worker,
                  {"--device", kPs, "queue-create", "idle", "--capacity", "4",
                   "--dtypes", "int32", "--shapes", "[[]]"}) ==
          R"({"created":true})");
    std::unique_ptr<Process> consumer =
        hosts.OnClient({TroupeBinary(), "ctl", "--target", worker, "--device",
                        kPs, "--timeout", "60s", "dequeue", "idle"},
                       "consumer.log");
    REQUIRE(consumer->started());
    REQUIRE_MESSAGE(
        testing::WaitUntil([&] { return WaitingDequeues(hosts, "idle") == 1; }),
        consumer->Log());

    const absl::Time cut = absl::Now();
    REQUIRE_MESSAGE(hosts.network().Unplug("ps"), hosts.network().error());
    const std::optional<int> status = consumer->WaitExit(absl::Seconds(15));
    const absl::Duration to_unavailable = absl::Now() - cut;
    REQUIRE_MESSAGE(status.has_value(), consumer->Log());
    MESSAGE("cut link to UNAVAILABLE of the waiting dequeue: ",
            absl::FormatDuration(to_unavailable));
    INFO("the consumer's wait status: ", *status,
         ", its output: ", consumer->Log());
    CHECK(ExitCode(status) == 1);
    CHECK(absl::StartsWith(consumer->Log(), "UNAVAILABLE: "));
    // Nothing but the heartbeat timeout (4 s of silence) can notice it.
    CHECK(to_unavailable > absl::Seconds(3));
    CHECK(to_unavailable < absl::Seconds(10));

    const absl::Time asked = absl::Now();
    CommandResult again =
        hosts.Ctl(worker, {"--device", kPs, "size", "idle"}, kLong);
    const absl::Duration new_request = absl::Now() - asked;
    MESSAGE("a new request to the cut ps host answered after ",
            absl::FormatDuration(new_request));
    CheckFailed(again, "UNAVAILABLE");
    CHECK(new_request < absl::Seconds(10));
    CHECK(CtlLine(hosts, worker, {"list"}) == "[]");

    // Plugged back in: the consumer lost with the link takes no element.
    REQUIRE_MESSAGE(hosts.network().Plug("ps"), hosts.network().error());
    REQUIRE(testing::WaitUntil(
        [&] { return WaitingDequeues(hosts, "idle") == 0; }));
    CHECK(CtlLine(hosts, worker, {"--device", kPs, "enqueue", "idle", "[5]"}) ==
          R"({"enqueued":1})");
    CHECK(CtlLine(hosts, worker,
                  {"--device", kPs, "--timeout", "5s", "dequeue", "idle"}) ==
          "[5]");
  }
}

}  // namespace
}  // namespace troupe
