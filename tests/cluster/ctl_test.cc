// Integration tests of the `troupe` command as a shell user runs it:
// `troupe ctl` against a real task (output, JSON arguments, errors,
// timeouts, a consumer process killed while it waits), `troupe task` with bad
// cluster specs and on SIGTERM, and `troupe up`.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them:
// doctest_discover_tests names CTest tests after the bare test cases.
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "serialization/tensor_json.h"
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
using testing::Find;
using testing::LocalCluster;
using testing::Process;
using testing::RunCtl;
using testing::RunTroupe;
using testing::WaitUntil;

const absl::Duration kLong = absl::Seconds(15);

bool ExitedWith(std::optional<int> status, int code) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
}

std::string DescribeStatus(std::optional<int> status) {
  if (!status) return "still running";
  if (WIFEXITED(*status))
    return absl::StrCat("exited with status ", WEXITSTATUS(*status));
  if (WIFSIGNALED(*status))
    return absl::StrCat("killed by signal ", WTERMSIG(*status));
  return "stopped";
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: troupe ctl status shows each task up with its counts, or "
      "down") {
    LocalCluster cluster({{"ps", 2}, {"worker", 1}});
    REQUIRE_CLUSTER(cluster);
    CtlLine(cluster.target("ps", 1),
            {"queue-create", "q", "--capacity", "2", "--dtypes", "int32"});
    CtlLine(cluster.target("ps", 1),
            {"variable-create", "v", "--dtype", "float32", "--shape", "[]"});
    testing::Process& worker = cluster.task("worker", 0)->process();
    worker.Signal(SIGKILL);
    REQUIRE(worker.WaitExit(kLong).has_value());

    json status = CtlJson("", {"status", "--cluster", cluster.spec_path()});
    REQUIRE(status.size() == 3);
    CHECK(status[0]["device"] == "/job:ps/task:0");
    CHECK(status[0]["up"] == true);
    CHECK(status[0]["queues"] == 0);
    CHECK(status[1]["device"] == "/job:ps/task:1");
    CHECK(status[1]["up"] == true);
    CHECK(status[1]["queues"] == 1);
    CHECK(status[1]["variables"] == 1);
    CHECK(status[2]["device"] == "/job:worker/task:0");
    CHECK(status[2]["up"] == false);
    CHECK(
        absl::StartsWith(status[2]["error"].get<std::string>(), "UNAVAILABLE"));
    CtlFails("", {"status"}, "INVALID_ARGUMENT", "status needs --cluster FILE");
  }

  TEST_CASE(
      "cluster: troupe ctl stats counts elements, bytes and frames, as JSON "
      "and for Prometheus") {
    LocalCluster cluster({{"ps", 1}, {"worker", 1}});
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "10", "--dtypes",
                     "float32", "--shapes", "[[2]]"});
    CtlLine(target, {"enqueue-many", "q", "[[[1,2],[3,4],[5,6]]]"});
    CtlLine(target, {"dequeue", "q"});
    CtlLine(target,
            {"variable-create", "v", "--dtype", "float32", "--shape", "[4]"});
    CtlLine(target, {"assign", "v", "[1,2,3,4]"});

    json stats = CtlJson(target, {"stats"});
    REQUIRE(stats["tasks"].size() == 1);
    const json& task = stats["tasks"][0];
    CHECK(task["device"] == "/job:ps/task:0");
    CHECK(task["up"] == true);
    CHECK(task["connections"].get<int64_t>() >= 1);  // This command's.
    CHECK(task["frames_in"].get<int64_t>() >= 6);
    CHECK(task["bytes_out"].get<int64_t>() > 0);
    CHECK(task["resident_bytes"].get<int64_t>() > 0);
    REQUIRE(task["resources"].size() == 2);
    const json& q = task["resources"][0];
    CHECK(q["name"] == "q");
    CHECK(q["kind"] == "FIFOQueue");
    CHECK(q["size"] == 2);
    CHECK(q["capacity"] == 10);
    CHECK(q["enqueued_total"] == 3);  // Elements, not calls.
    CHECK(q["dequeued_total"] == 1);
    CHECK(q["bytes_held"] == 16);
    const json& v = task["resources"][1];
    CHECK(v["kind"] == "Variable");
    CHECK(v["bytes_held"] == 16);

    // Every task of the spec, one of them down.
    testing::Process& worker = cluster.task("worker", 0)->process();
    worker.Signal(SIGKILL);
    REQUIRE(worker.WaitExit(kLong).has_value());
    json all = CtlJson("", {"stats", "--cluster", cluster.spec_path()});
    REQUIRE(all["tasks"].size() == 2);
    CHECK(all["tasks"][0]["resources"].size() == 2);
    CHECK(all["tasks"][1]["up"] == false);

    CommandResult prometheus = RunCtl(
        "",
        {"stats", "--cluster", cluster.spec_path(), "--format", "prometheus"});
    REQUIRE_MESSAGE(prometheus.exit_code == 0, prometheus.Describe());
    CHECK(absl::StrContains(prometheus.out,
                            "troupe_queue_size{task=\"/job:ps/"
                            "task:0\",container=\"\",queue=\"q\"} 2\n"));
    CHECK(absl::StrContains(
        prometheus.out,
        "troupe_queue_enqueued_total{task=\"/job:ps/task:0\",container=\"\","
        "queue=\"q\"} 3\n"));
    CHECK(absl::StrContains(prometheus.out,
                            "troupe_task_up{task=\"/job:worker/task:0\"} 0\n"));
    CtlFails(target, {"stats", "--format", "xml"}, "INVALID_ARGUMENT",
             "--format must be json or prometheus");
  }

  TEST_CASE(
      "cluster: troupe task --metrics-port serves the task's stats over HTTP "
      "for Prometheus") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    Process task(
        {testing::TroupeBinary(), "task", "--cluster", cluster.spec_path(),
         "--job", "ps", "--task", "0", "--metrics-port", "0"},
        cluster.dir().path() + "/metrics.log");
    REQUIRE_MESSAGE(task.WaitForLog({"serving on", "/metrics"}), task.Log());
    const std::string log = task.Log();
    const size_t at = log.find("metrics on http://127.0.0.1:");
    REQUIRE(at != std::string::npos);
    const int port = std::stoi(log.substr(at + 28));
    CtlLine(cluster.target(),
            {"queue-create", "q", "--capacity", "5", "--dtypes", "int32"});
    CtlLine(cluster.target(), {"enqueue", "q", "[7]"});

    // GET /metrics, as a scraper sends it.
    const int fd = testing::ConnectToLoopback(static_cast<uint16_t>(port));
    REQUIRE(fd >= 0);
    const std::string request =
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: "
        "close\r\n\r\n";
    REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
    std::string response;
    char buffer[4096];
    const absl::Time deadline = absl::Now() + kLong;
    while (absl::Now() < deadline) {
      pollfd readable{fd, POLLIN, 0};
      poll(&readable, 1, 1000);
      const ssize_t count = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (count == 0) break;
      if (count > 0) response.append(buffer, static_cast<size_t>(count));
    }
    close(fd);
    INFO(response);
    CHECK(absl::StartsWith(response, "HTTP/1.1 200 OK\r\n"));
    CHECK(absl::StrContains(response,
                            "Content-Type: text/plain; version=0.0.4\r\n"));
    CHECK(absl::StrContains(
        response,
        "troupe_queue_size{task=\"/job:ps/task:0\",container=\"\",queue=\"q\"} "
        "1\n"));
    CHECK(absl::StrContains(response,
                            "troupe_task_up{task=\"/job:ps/task:0\"} 1\n"));
  }

  TEST_CASE(
      "cluster: troupe ctl watch shows a queue filling and draining in a "
      "terminal, and q quits") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "10", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CtlLine(target, {"enqueue-many", "q", "[[1,2,3,4,5]]"});
    // A terminal of its own: a tmux server on a socket of this test's.
    const std::string socket =
        absl::StrCat(cluster.dir().path(), "/tmux.socket");
    auto tmux = [&socket](std::vector<std::string> args) {
      args.insert(args.begin(), {"/usr/bin/tmux", "-S", socket});
      return testing::RunCommand(args);
    };
    // However the test ends, no tmux server (nor the watch in it) outlives
    // it.
    struct KillServer {
      std::function<void()> kill;
      ~KillServer() { kill(); }
    } kill_server{[&tmux] { tmux({"kill-server"}); }};
    CommandResult started =
        tmux({"new-session", "-d", "-x", "150", "-y", "20",
              absl::StrCat(testing::TroupeBinary(), " ctl --cluster ",
                           cluster.spec_path(), " watch")});
    REQUIRE_MESSAGE(started.exit_code == 0, started.Describe());
    std::string screen;
    auto shows = [&](const std::string& text) {
      return WaitUntil([&] {
        screen = tmux({"capture-pane", "-p"}).out;
        return absl::StrContains(screen, text);
      });
    };
    CHECK_MESSAGE(shows("5/10 [##########..........]"), screen);
    CHECK(absl::StrContains(screen, "/job:ps/task:0 up"));
    CtlLine(target, {"enqueue-many", "q", "[[6,7]]"});
    CHECK_MESSAGE(shows("7/10 [##############......]"), screen);
    CtlLine(target, {"dequeue-many", "q", "7"});
    CHECK_MESSAGE(shows("0/10 [....................]"), screen);
    tmux({"send-keys", "q"});
    CHECK(WaitUntil([&] { return tmux({"has-session"}).exit_code != 0; }));
  }

  TEST_CASE("cluster: troupe task refuses bad --metrics flags") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    const std::vector<std::string> task = {
        "task", "--cluster", cluster.spec_path(), "--job", "ps", "--task", "0"};
    auto with = [&task](std::vector<std::string> more) {
      more.insert(more.begin(), task.begin(), task.end());
      return RunTroupe(more);
    };
    CommandResult host = with({"--metrics-host", "0.0.0.0"});
    CHECK(host.exit_code == 2);
    CHECK(absl::StrContains(host.err, "--metrics-host needs --metrics-port"));
    CommandResult port = with({"--metrics-port", "70000"});
    CHECK(port.exit_code == 2);
    CHECK(absl::StrContains(port.err, "Invalid --metrics-port '70000'"));
  }

  TEST_CASE("cluster: troupe ctl prints one line of JSON for every command") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    const std::vector<std::string> create = {
        "queue-create", "q",       "--type",   "fifo",
        "--capacity",   "5",       "--dtypes", "float32,int32",
        "--shapes",     "[[2],[]]"};
    CHECK(CtlLine(target, create) == R"({"created":true})");
    CHECK(CtlLine(target, create) == R"({"created":false})");
    CHECK(CtlJson(target, {"enqueue", "q", "[[1.5, 2], 3]"}) ==
          json{{"enqueued", 1}});
    CHECK(
        CtlJson(target, {"enqueue-many", "q", "[[[3, 4], [5, 6]], [7, 8]]"}) ==
        json{{"enqueued", 2}});
    CHECK(CtlLine(target, {"size", "q"}) == "3");
    CHECK(CtlLine(target, {"dequeue", "q"}) == "[[1.5,2.0],3]");
    CHECK(CtlJson(target, {"dequeue-many", "q", "1"}) ==
          json::parse("[[[3,4]],[7]]"));
    CHECK(CtlLine(target, {"is-closed", "q"}) == "false");
    CHECK(CtlJson(target, {"close", "q"}) == json{{"closed", true}});
    CHECK(CtlLine(target, {"is-closed", "q"}) == "true");
    CHECK(CtlJson(target, {"dequeue-up-to", "q", "5"}) ==
          json::parse("[[[5,6]],[8]]"));
    CHECK(CtlLine(target, {"size", "q"}) == "0");

    json list = CtlJson(target, {"list"});
    REQUIRE(list.is_array());
    REQUIRE(list.size() == 1);
    CHECK(list[0]["name"] == "q");
    CHECK(list[0]["kind"] == "FIFOQueue");
    CHECK(list[0]["capacity"] == 5);
    CHECK(list[0]["dtypes"] == json::parse(R"(["float32","int32"])"));
    CHECK(list[0]["shapes"] == json::parse("[[2],[]]"));
    CHECK(list[0]["size"] == 0);
    CHECK(list[0]["closed"] == true);
    CHECK(list[0]["waiting_dequeues"] == 0);
    CHECK(list[0]["waiting_enqueues"] == 0);

    CtlFails(target, {"dequeue", "q"}, "OUT_OF_RANGE", "is closed");
    CtlFails(target, {"enqueue", "q", "[[1, 2], 3]"}, "CANCELLED", "is closed");
  }

  TEST_CASE(
      "cluster: troupe ctl reads JSON arguments from a file and from stdin") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    std::string shapes = cluster.dir().Write("shapes.json", "[[3]]");
    CHECK(CtlJson(target, {"queue-create", "q", "--capacity", "10", "--dtypes",
                           "int32", "--shapes", "@" + shapes}) ==
          json{{"created", true}});
    json list = CtlJson(target, {"list"});
    REQUIRE(list.size() == 1);
    CHECK(list[0]["shapes"] == json::parse("[[3]]"));

    std::string element = cluster.dir().Write("element.json", "[[1, 2, 3]]\n");
    CHECK(CtlJson(target, {"enqueue", "q", "@" + element}) ==
          json{{"enqueued", 1}});
    // A batch too large for a command line comes from a file.
    std::string rows;
    for (int i = 0; i < 5; ++i) {
      absl::StrAppend(&rows, i > 0 ? ", " : "", "[", 10 * i, ", ", 10 * i + 1,
                      ", ", 10 * i + 2, "]");
    }
    std::string batch =
        cluster.dir().Write("batch.json", absl::StrCat("[[", rows, "]]"));
    CHECK(CtlJson(target, {"enqueue-many", "q", "@" + batch}) ==
          json{{"enqueued", 5}});
    CHECK(CtlJson(target, {"enqueue", "q", "-"}, "[[7, 8, 9]]\n") ==
          json{{"enqueued", 1}});
    CHECK(CtlJson(target, {"enqueue-many", "q", "-"},
                  "[[[4, 5, 6], [1, 1, 1]]]") == json{{"enqueued", 2}});
    CHECK(CtlLine(target, {"size", "q"}) == "9");

    CHECK(CtlLine(target, {"dequeue", "q"}) == "[[1,2,3]]");
    CHECK(
        CtlJson(target, {"dequeue-many", "q", "5"}) ==
        json::parse("[[[0,1,2],[10,11,12],[20,21,22],[30,31,32],[40,41,42]]]"));
    CHECK(CtlJson(target, {"dequeue-many", "q", "3"}) ==
          json::parse("[[[7,8,9],[4,5,6],[1,1,1]]]"));

    CtlFails(target,
             {"enqueue", "q", "@" + cluster.dir().path() + "/missing.json"},
             "NOT_FOUND", "missing.json");
    CtlFails(target, {"enqueue", "q", "-"}, "INVALID_ARGUMENT", "JSON",
             "[[1, 2");
    CHECK(CtlLine(target, {"size", "q"}) == "0");
  }

  TEST_CASE(
      "cluster: troupe ctl --timeout 200ms on a blocking dequeue fails "
      "DEADLINE_EXCEEDED") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"queue-create", "q", "--capacity", "1", "--dtypes", "int32"});
    auto start = std::chrono::steady_clock::now();
    CtlFails(target, {"--timeout", "200ms", "dequeue", "q"},
             "DEADLINE_EXCEEDED", "Timed out");
    CHECK(std::chrono::steady_clock::now() - start >=
          std::chrono::milliseconds(200));
    // The enqueue side times out as well, on a full queue.
    CtlLine(target, {"enqueue", "q", "[1]"});
    CtlFails(target, {"--timeout", "200ms", "enqueue", "q", "[2]"},
             "DEADLINE_EXCEEDED", "Timed out");
    json list = CtlJson(target, {"list"});
    REQUIRE(list.size() == 1);
    CHECK(list[0]["size"] == 1);
    CHECK(list[0]["waiting_dequeues"] == 0);
    CHECK(list[0]["waiting_enqueues"] == 0);
    CHECK(CtlLine(target, {"--timeout", "200ms", "dequeue", "q"}) == "[1]");
  }

  TEST_CASE(
      "cluster: troupe ctl on a queue that does not exist fails NOT_FOUND") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlFails(target, {"dequeue", "missing"}, "NOT_FOUND", "missing");
    CtlFails(target, {"enqueue", "missing", "[1]"}, "NOT_FOUND", "missing");
    CtlFails(target, {"size", "missing"}, "NOT_FOUND", "missing");
    CtlFails(target, {"--container", "other", "dequeue", "missing"},
             "NOT_FOUND", "missing");
    CHECK(CtlJson(target, {"list"}) == json::array());
  }

  TEST_CASE(
      "cluster: troupe ctl COMMAND --help prints the command's usage and "
      "flags and exits 0") {
    // Every command that `troupe ctl --help` lists.
    const CommandResult ctl_help = RunTroupe({"ctl", "--help"});
    REQUIRE_MESSAGE(ctl_help.ok(), ctl_help.Describe());
    const std::vector<std::string> lines = CommandResult::Lines(ctl_help.out);
    auto commands = std::find(lines.begin(), lines.end(), "Commands:");
    REQUIRE(commands != lines.end());
    std::vector<std::string> verbs;
    for (auto line = commands + 1; line != lines.end() && !line->empty();
         ++line) {
      if (absl::StartsWith(*line, "  ") && (*line)[2] != ' ') {
        verbs.push_back(line->substr(2, line->find(' ', 2) - 2));
      }
    }
    CHECK(verbs.size() == 38);
    for (const std::string& verb : verbs) {
      const CommandResult help = RunTroupe({"ctl", verb, "-h"});
      CHECK_MESSAGE(help.exit_code == 0, help.Describe());
      CHECK_MESSAGE(
          absl::StartsWith(help.out, absl::StrCat("usage: troupe ctl ", verb)),
          help.Describe());
      CHECK(help.err.empty());
    }
    // Some commands' arguments and own flags.
    const std::vector<std::pair<std::string, std::vector<std::string>>> flags =
        {{"queue-create",
          {"NAME [OPTIONS]", "--type KIND=fifo", "--capacity N",
           "--dtypes DTYPES", "--shapes JSON", "--min-after-dequeue N",
           "--seed N"}},
         {"enqueue", {"NAME COMPONENTS [OPTIONS]", "one entry per component"}},
         {"close", {"--cancel-pending-enqueues", "waiting for room"}},
         {"reset", {"[CONTAINER...]"}},
         {"stats", {"--format FORMAT=json", "prometheus"}},
         {"assign", {"NAME VALUE [OPTIONS]", "--no-validate-shape"}},
         {"save", {"--containers A,B", "--include-queues", "--max-to-keep N"}},
         {"reader-create",
          {"--type KIND=identity", "--skip-header-lines N", "--record-bytes N",
           "--header-bytes N", "--footer-bytes N", "--hop-bytes N",
           "--compression C", "--skip-corrupt"}},
         {"reader-read-up-to", {"NAME N [OPTIONS]", "--queue Q"}},
         {"decode-csv",
          {"--dtypes DTYPES", "--defaults JSON", "--field-delim C=,",
           "--no-quote-delim", "--na-value S", "--select-cols I,J"}}};
    for (const auto& [verb, expected] : flags) {
      const CommandResult help =
          RunTroupe({"ctl", "--target", "x:1", verb, "--help"});
      CHECK_MESSAGE(help.exit_code == 0, help.Describe());
      for (const std::string& text : expected) {
        CHECK_MESSAGE(absl::StrContains(help.out, text), verb, " ", text);
      }
      // The command's help is its own: none of another command's flags.
      const bool takes_dtypes = verb == "decode-csv" || verb == "queue-create";
      CHECK_MESSAGE(absl::StrContains(help.out, "--dtypes") == takes_dtypes,
                    verb);
    }
  }

  TEST_CASE(
      "cluster: troupe ctl errors are CODE: message on the first line of "
      "stderr") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlFails(target, {"frobnicate", "q"}, "INVALID_ARGUMENT", "frobnicate");
    CtlFails(target, {"--bogus-flag", "list"}, "INVALID_ARGUMENT",
             "bogus-flag");
    CtlFails(target, {"--timeout", "soon", "list"}, "INVALID_ARGUMENT", "soon");
    CtlFails(target, {"dequeue"}, "INVALID_ARGUMENT", "usage");
    CommandResult no_target = RunTroupe({"ctl", "list"});
    INFO(no_target.Describe());
    CHECK(no_target.exit_code == 1);
    CHECK(absl::StartsWith(no_target.FirstErrLine(), "INVALID_ARGUMENT: "));
    // Nobody serves this port: UNAVAILABLE, promptly.
    std::vector<uint16_t> ports = testing::FreePorts(1);
    REQUIRE(ports.size() == 1);
    CtlFails(absl::StrCat("127.0.0.1:", ports[0]), {"list"}, "UNAVAILABLE", "");
  }

  TEST_CASE(
      "cluster: bad input through troupe ctl fails INVALID_ARGUMENT and "
      "changes nothing") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "5", "--dtypes",
                     "float32,int32", "--shapes", "[[2],[]]"});
    CtlLine(target, {"enqueue", "q", "[[1, 2], 3]"});
    const json before = CtlJson(target, {"list"});

    CtlFails(target, {"enqueue", "q", "[[1, 2], 3"}, "INVALID_ARGUMENT",
             "JSON");
    CtlFails(target, {"enqueue", "q", "{\"a\": 1}"}, "INVALID_ARGUMENT", "");
    CtlFails(target, {"enqueue", "q", "[[1, 2]]"}, "INVALID_ARGUMENT",
             "Wrong number of components in tuple. Expected 2, got 1");
    CtlFails(target, {"enqueue", "q", "[[1, 2], 3, 4]"}, "INVALID_ARGUMENT",
             "Wrong number of components in tuple. Expected 2, got 3");
    CtlFails(target, {"enqueue", "q", R"([["a", "b"], 3])"}, "INVALID_ARGUMENT",
             "float32");
    CtlFails(target, {"enqueue", "q", "[[1, 2], 3.5]"}, "INVALID_ARGUMENT",
             "int32");
    CtlFails(target, {"enqueue", "q", "[[1, 2, 3], 3]"}, "INVALID_ARGUMENT",
             "Shape mismatch in tuple component 0");
    CtlFails(target, {"enqueue-many", "q", "[[[1, 2]], [3, 4]]"},
             "INVALID_ARGUMENT", "");
    CtlFails(target, {"enqueue-many", "q", "[[1, 2], 3]"}, "INVALID_ARGUMENT",
             "");
    CtlFails(target, {"dequeue-many", "q", "-1"}, "INVALID_ARGUMENT", "-1");
    CtlFails(target, {"dequeue-up-to", "q", "-1"}, "INVALID_ARGUMENT", "-1");
    CtlFails(target,
             {"queue-create", "r", "--type", "bogus", "--capacity", "5",
              "--dtypes", "float32"},
             "INVALID_ARGUMENT", "bogus");
    CtlFails(target,
             {"queue-create", "r", "--capacity", "-1", "--dtypes", "float32"},
             "INVALID_ARGUMENT", "capacity");
    CtlFails(target,
             {"queue-create", "r", "--capacity", "5", "--dtypes", "float33"},
             "INVALID_ARGUMENT", "float33");
    CtlFails(target,
             {"queue-create", "r", "--capacity", "5", "--dtypes", "float32",
              "--shapes", "[2]"},
             "INVALID_ARGUMENT", "");
    CtlFails(target,
             {"queue-create", "q", "--capacity", "6", "--dtypes",
              "float32,int32", "--shapes", "[[2],[]]"},
             "INVALID_ARGUMENT", "capacity");

    CHECK(CtlJson(target, {"list"}) ==
          before);  // Same queues, same size, no waiters.
    CHECK(CtlLine(target, {"size", "q"}) == "1");
    CHECK(CtlLine(target, {"dequeue", "q"}) == "[[1.0,2.0],3]");
  }

  TEST_CASE(
      "cluster: troupe ctl refuses deep JSON and numbers it would change") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "5", "--dtypes",
                     "int64,float32", "--shapes", "[[],[]]"});
    const std::string deep =
        "[" + std::string(100000, '[') + std::string(100000, ']') + ", 1]";
    CtlFails(target, {"enqueue", "q", "-"}, "INVALID_ARGUMENT",
             "JSON nested deeper than 66 levels", deep);
    CtlFails(target, {"enqueue", "q", "[-9223372036854775809, 1]"},
             "INVALID_ARGUMENT",
             "Component 0: Value -9223372036854775809 is out of range for "
             "int64");
    CtlFails(target, {"enqueue", "q", "[9007199254740993.5, 1]"},
             "INVALID_ARGUMENT",
             "Component 0: Value 9007199254740993.5 is not a valid int64");
    CtlFails(target, {"enqueue", "q", "[1, 1e39]"}, "INVALID_ARGUMENT",
             "Component 1: Value 1e39 is out of range for float32");
    CHECK(CtlLine(target, {"size", "q"}) == "0");
    CtlLine(target, {"enqueue", "q", "[9007199254740993.0, 0.5]"});
    CtlLine(target, {"enqueue", "q", "[9.007199254740993e15, 0.5]"});
    CtlLine(target, {"enqueue", "q", "[-9223372036854775808, 0.5]"});
    CHECK(CtlLine(target, {"dequeue-many", "q", "3"}) ==
          "[[9007199254740993,9007199254740993,-9223372036854775808],"
          "[0.5,0.5,0.5]]");
  }

  TEST_CASE(
      "cluster: troupe ctl enqueue-many of empty lists enqueues nothing") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "q", "--capacity", "5", "--dtypes",
                     "float32,string", "--shapes", "[[2,3],[]]"});
    CHECK(CtlLine(target, {"enqueue-many", "q", "[[], []]"}) ==
          R"({"enqueued":0})");
    CHECK(CtlLine(target, {"size", "q"}) == "0");
    CtlLine(target,
            {"queue-create", "p", "--type", "padding_fifo", "--capacity", "5",
             "--dtypes", "int32", "--shapes", "[[null,3]]"});
    CHECK(CtlLine(target, {"enqueue-many", "p", "[[]]"}) ==
          R"({"enqueued":0})");
    CHECK(CtlLine(target, {"size", "p"}) == "0");
    // A single enqueue of [] is still an element of shape [0].
    CtlFails(target, {"enqueue", "q", "[[], \"s\"]"}, "INVALID_ARGUMENT",
             "Shape mismatch in tuple component 0");
  }

  TEST_CASE("cluster: strings of any bytes round-trip through troupe ctl") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "s", "--capacity", "300", "--dtypes",
                     "string", "--shapes", "[[]]"});
    std::vector<std::string> strings;
    std::string all;
    for (int byte = 0; byte < 256; ++byte) {
      strings.push_back(std::string(1, static_cast<char>(byte)));
      all.push_back(static_cast<char>(byte));
    }
    strings.push_back(all);
    strings.push_back("caf\xC3\xA9");
    const Tensor batch =
        Tensor::FromStrings({static_cast<int64_t>(strings.size())}, strings);
    const std::string text = TupleToJson({batch});
    CHECK(CtlLine(target, {"enqueue-many", "s", "-"}, text) ==
          R"({"enqueued":258})");
    CHECK(CtlLine(target, {"dequeue-many", "s", "258"}) == text);
    // One by one too, each as it went in.
    CtlLine(target, {"enqueue", "s", R"([{"b64":"/wA="}])"});
    CHECK(CtlLine(target, {"dequeue", "s"}) == R"([{"b64":"/wA="}])");
  }

  TEST_CASE(
      "cluster: a name that is not UTF-8 is refused and list still prints") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"queue-create", "ok", "--capacity", "1", "--dtypes", "int32"});
    CtlFails(
        target,
        {"queue-create", "bad\xff", "--capacity", "1", "--dtypes", "int32"},
        "INVALID_ARGUMENT", "shared_name is not valid UTF-8");
    CtlFails(target,
             {"variable-create", "\xC3", "--dtype", "int32", "--shape", "[]"},
             "INVALID_ARGUMENT", "shared_name is not valid UTF-8");
    Session session(target);
    QueueOptions options;
    options.capacity = 1;
    options.dtypes = {DT_INT32};
    options.shapes = {{}};
    options.shared_name = "q\xED\xA0\x80";
    FIFOQueue queue(session, options);
    CHECK(absl::IsInvalidArgument(queue.size().status()));
    json list = CtlJson(target, {"list"});
    REQUIRE(list.size() == 1);
    CHECK(list[0]["name"] == "ok");
  }

  TEST_CASE(
      "cluster: a consumer process killed while its dequeue waits takes no "
      "element") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"queue-create", "k", "--capacity", "3", "--dtypes", "int32"});
    Session observer(target);
    auto waiting = [&](int64_t count) {
      return WaitUntil([&] {
        auto info = Find(observer, "k");
        return info && info->waiting_dequeues == count;
      });
    };

    Process consumer(
        {testing::TroupeBinary(), "ctl", "--target", target, "dequeue", "k"},
        cluster.dir().path() + "/consumer.log");
    REQUIRE(consumer.started());
    REQUIRE_MESSAGE(waiting(1), consumer.Log());
    REQUIRE(consumer.Running());  // It waits.
    consumer.Signal(SIGKILL);
    std::optional<int> status = consumer.WaitExit(kLong);
    REQUIRE(status.has_value());
    CHECK(WIFSIGNALED(*status));
    // The task notices the lost connection and withdraws the dequeue.
    REQUIRE(waiting(0));

    CtlLine(target, {"enqueue", "k", "[5]"});
    CHECK(CtlLine(target, {"size", "k"}) == "1");
    CHECK(CtlLine(target, {"--timeout", "10s", "dequeue", "k"}) == "[5]");
  }

  TEST_CASE(
      "cluster: troupe task refuses a bad cluster spec with status 2 and one "
      "line") {
    testing::TempDir dir;
    std::vector<uint16_t> ports = testing::FreePorts(2);
    REQUIRE(ports.size() == 2);
    const std::string good =
        absl::StrCat(R"({"cluster": {"ps": ["127.0.0.1:)", ports[0],
                     R"("], "worker": ["127.0.0.1:)", ports[1], R"("]}})");
    struct Case {
      const char* what;
      std::string path;  // The file given to --cluster.
      std::string job;
      std::string index;
      std::string fault;  // Expected on the stderr line, with the path.
    };
    std::vector<Case> cases = {
        {"a file that does not exist", dir.path() + "/missing.json", "ps", "0",
         "cannot open"},
        {"a file that cannot be read", dir.path(), "ps", "0", "cannot read"},
        {"bad JSON",
         dir.Write("bad_json.json", R"({"cluster": {"ps": ["127.0.0.1:1")"),
         "ps", "0", "invalid JSON"},
        {"an address without port",
         dir.Write("no_port.json", R"({"cluster": {"ps": ["127.0.0.1"]}})"),
         "ps", "0", "missing port"},
        {"port 70000",
         dir.Write("big_port.json",
                   R"({"cluster": {"ps": ["127.0.0.1:70000"]}})"),
         "ps", "0", "70000"},
        {"a duplicate address",
         dir.Write("duplicate.json",
                   absl::StrCat(R"({"cluster": {"ps": ["127.0.0.1:)", ports[0],
                                R"("], "worker": ["127.0.0.1:)", ports[0],
                                R"("]}})")),
         "ps", "0", "same address"},
        {"an address nested 60000 levels deep",
         dir.Write("deep.json", R"({"cluster": {"ps": [)" +
                                    std::string(60000, '[') +
                                    std::string(60000, ']') + "]}}"),
         "ps", "0", "JSON nested deeper than 64 levels"},
        {"an unknown job", dir.Write("good.json", good), "chief", "0",
         "/job:chief/task:0"},
        {"a task index out of range", dir.path() + "/good.json", "worker", "1",
         "/job:worker/task:1"},
    };
    for (const Case& c : cases) {
      CommandResult result = RunTroupe(
          {"task", "--cluster", c.path, "--job", c.job, "--task", c.index});
      INFO(c.what, ": ", result.Describe());
      CHECK(result.exit_code == 2);
      std::vector<std::string> lines = CommandResult::Lines(result.err);
      REQUIRE(lines.size() == 1);
      CHECK(absl::StrContains(lines[0], c.path));
      CHECK(absl::StrContains(lines[0], c.fault));
      CHECK(result.out.empty());
    }
  }

  TEST_CASE(
      "cluster: troupe up and ctl status refuse a deeply nested spec by its "
      "path") {
    testing::TempDir dir;
    const std::string path = dir.Write(
        "deep.json", R"({"cluster": {"ps": [)" + std::string(60000, '[') +
                         std::string(60000, ']') + "]}}");
    CommandResult up = RunTroupe({"up", "--cluster", path});
    INFO("up: ", up.Describe());
    CHECK(up.exit_code == 2);
    CHECK(absl::StrContains(up.FirstErrLine(), path));
    CHECK(absl::StrContains(up.FirstErrLine(),
                            "JSON nested deeper than 64 levels"));
    CtlFails("", {"status", "--cluster", path}, "INVALID_ARGUMENT",
             "cluster spec " + path + ": JSON nested deeper than 64 levels");
  }

  TEST_CASE(
      "cluster: troupe task stops cleanly on SIGTERM while a dequeue waits") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"queue-create", "q", "--capacity", "3", "--dtypes", "int32"});
    Session session(target);
    auto queue = Queue::Open(session, "q");
    REQUIRE(queue.ok());
    auto waiting = std::async(std::launch::async,
                              [&] { return (*queue)->dequeue(kLong); });
    // A `troupe ctl` process waits too.
    Process ctl(
        {testing::TroupeBinary(), "ctl", "--target", target, "dequeue", "q"},
        cluster.dir().path() + "/ctl.log");
    REQUIRE(ctl.started());
    Session observer(target);
    REQUIRE(WaitUntil([&] {
      auto info = Find(observer, "q");
      return info && info->waiting_dequeues == 2;
    }));

    testing::TaskProcess* task = cluster.task();
    REQUIRE(task != nullptr);
    task->process().Signal(SIGTERM);
    std::optional<int> status = task->process().WaitExit(kLong);
    INFO("task ", DescribeStatus(status), "; its log:\n", task->Log());
    CHECK(ExitedWith(status, 0));
    CHECK(absl::StrContains(task->Log(), "stopping"));

    REQUIRE(waiting.wait_for(std::chrono::seconds(10)) ==
            std::future_status::ready);
    absl::Status result = waiting.get().status();
    INFO("the waiting C++ dequeue: ", result.ToString());
    CHECK((absl::IsCancelled(result) || absl::IsUnavailable(result)));

    std::optional<int> ctl_status = ctl.WaitExit(absl::Seconds(10));
    INFO("the waiting ctl dequeue ", DescribeStatus(ctl_status), ": ",
         ctl.Log());
    CHECK(ExitedWith(ctl_status, 1));
    CHECK((absl::StartsWith(ctl.Log(), "CANCELLED: ") ||
           absl::StartsWith(ctl.Log(), "UNAVAILABLE: ")));
  }

  TEST_CASE(
      "cluster: troupe up passes the shared-memory flags on to its tasks") {
    // --shared-memory-min-bytes 1024: a dequeue's 2400-byte reply goes
    // through shared memory; --shared-memory off: the task has no Unix
    // socket, so a client that requires it fails.
    for (const bool off : {false, true}) {
      CAPTURE(off);
      LocalCluster cluster({{"ps", 1}}, /*start=*/false);
      REQUIRE_CLUSTER(cluster);
      std::vector<std::string> command = {testing::TroupeBinary(), "up",
                                          "--cluster", cluster.spec_path()};
      if (off) {
        command.insert(command.end(), {"--shared-memory", "off"});
      } else {
        command.insert(command.end(), {"--shared-memory-min-bytes", "1024"});
      }
      // Its destructor kills it, and its task with it (PR_SET_PDEATHSIG).
      Process up(command, cluster.dir().path() + "/up.log");
      REQUIRE(up.started());
      REQUIRE_MESSAGE(
          up.WaitForLog({"[ps:0] troupe task /job:ps/task:0 serving on"}),
          up.Log());
      const std::string target = cluster.target();
      if (off) {
        CtlFails(target, {"--shared-memory", "force", "list"}, "UNAVAILABLE",
                 "shared memory was required");
        continue;
      }
      CtlLine(target, {"queue-create", "q", "--capacity", "1", "--dtypes",
                       "float32", "--shapes", "[[600]]"});
      CtlLine(target, {"enqueue", "q",
                       json::array({std::vector<float>(600, 1.5f)}).dump()});
      json element =
          CtlJson(target, {"--shared-memory", "force", "dequeue", "q"});
      CHECK(element[0].size() == 600);
      CHECK(element[0][599] == 1.5);
      CHECK(CtlJson(target, {"stats"})["tasks"][0]["shared_bytes_out"] == 2400);
    }
    // CLI11 alone would take -5 for 2^64 - 5.
    for (const std::string command : {"up", "task"}) {
      CommandResult refused = RunTroupe(
          {command, "--cluster", "x.json", "--shared-memory-min-bytes", "-5"});
      CHECK(refused.exit_code == 2);
      CHECK(refused.FirstErrLine() ==
            "troupe " + command +
                ": --shared-memory-min-bytes: Invalid "
                "--shared-memory-min-bytes '-5'; expected a count of bytes "
                ">= 0 (usage: troupe " +
                command + " [OPTIONS])");
    }
  }

  TEST_CASE(
      "cluster: troupe up serves two local tasks and stops both on SIGINT") {
    // The tasks bind ports that were free a moment before; should another
    // process have taken one, try again on new ports.
    for (int attempt = 1;; ++attempt) {
      LocalCluster cluster({{"ps", 1}, {"worker", 1}}, /*start=*/false);
      REQUIRE_CLUSTER(cluster);
      Process up(
          {testing::TroupeBinary(), "up", "--cluster", cluster.spec_path()},
          cluster.dir().path() + "/up.log");
      REQUIRE(up.started());
      // Whatever happens below, `up` gets the chance to stop its tasks.
      struct StopUp {
        Process& up;
        ~StopUp() { up.Stop(SIGINT, absl::Seconds(15)); }
      } stop_up{up};

      bool ready = up.WaitForLog(
          {"[ps:0] troupe task /job:ps/task:0 serving on",
           "[worker:0] troupe task /job:worker/task:0 serving on"});
      if (!ready && attempt < 3 && absl::StrContains(up.Log(), "Cannot serve"))
        continue;
      REQUIRE_MESSAGE(ready, up.Log());
      for (const char* job : {"ps", "worker"}) {
        std::string target = cluster.target(job);
        CHECK(CtlLine(target, {"queue-create", "q", "--capacity", "1",
                               "--dtypes", "int32"}) == R"({"created":true})");
        CtlLine(target, {"enqueue", "q", "[1]"});
        CHECK(CtlLine(target, {"size", "q"}) == "1");
      }

      up.Signal(SIGINT);
      std::optional<int> status = up.WaitExit(kLong);
      INFO("up ", DescribeStatus(status), "; its log:\n", up.Log());
      CHECK(ExitedWith(status, 0));
      CHECK(absl::StrContains(up.Log(),
                              "[ps:0] troupe task /job:ps/task:0 stopping"));
      CHECK(absl::StrContains(
          up.Log(), "[worker:0] troupe task /job:worker/task:0 stopping"));
      // Both tasks are gone.
      for (const char* job : {"ps", "worker"}) {
        CtlFails(cluster.target(job), {"list"}, "UNAVAILABLE", "");
      }
      break;
    }
  }
}

}  // namespace
}  // namespace troupe
