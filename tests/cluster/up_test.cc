// `troupe up` as a supervisor: its restart policy on its own (back-off,
// intensity, which exits are retried), and real `up` processes whose tasks
// are killed, crash in a loop, exit with a configuration error, or will not
// stop; `up` itself killed with SIGKILL; what descriptors its tasks hold.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cli/restart_policy.h"
#include "support/process_gone.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using cli::RestartMode;
using cli::RestartOptions;
using cli::RestartPolicy;
using cli::TaskExit;
using testing::LocalCluster;
using testing::Process;
using testing::WaitUntil;
using Action = RestartPolicy::Action;
using std::chrono::milliseconds;
using std::chrono::seconds;

const absl::Duration kLong = absl::Seconds(30);

constexpr int kKilled = SIGKILL;  // wait status of a task killed with -9

bool ExitedWith(std::optional<int> status, int code) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
}

// -- The policy on its own ---------------------------------------------------

TEST_CASE("cluster: each subcommand prints its usage for --help and exits 0") {
  for (const std::string command : {"task", "up", "ctl"}) {
    for (const std::string flag : {"--help", "-h"}) {
      const testing::CommandResult help =
          testing::RunTroupe({command, flag}, "", absl::Seconds(20));
      CHECK_MESSAGE(help.exit_code == 0, help.Describe());
      CHECK_MESSAGE(
          absl::StartsWith(help.out, absl::StrCat("usage: troupe ", command)),
          help.Describe());
      CHECK(help.err.empty());
    }
  }
}

TEST_CASE("cluster: up's back-off doubles up to 10 s and resets after 30 s") {
  RestartPolicy policy(RestartOptions{RestartMode::kOnFailure, 100, seconds(60),
                                      milliseconds(100)},
                       1);
  auto now = RestartPolicy::Clock::now();
  std::vector<milliseconds> backoffs;
  for (int i = 0; i < 9; ++i) {
    RestartPolicy::Decision decision =
        policy.OnExit(0, TaskExit{kKilled, seconds(1)}, now);
    REQUIRE(decision.action == Action::kRestart);
    CHECK(decision.restart_number == i + 1);
    backoffs.push_back(
        std::chrono::duration_cast<milliseconds>(decision.backoff));
  }
  CHECK(backoffs == std::vector<milliseconds>{
                        milliseconds(100), milliseconds(200), milliseconds(400),
                        milliseconds(800), milliseconds(1600),
                        milliseconds(3200), milliseconds(6400), seconds(10),
                        seconds(10)});
  RestartPolicy::Decision after_serving =
      policy.OnExit(0, TaskExit{kKilled, seconds(30)}, now);
  CHECK(after_serving.backoff == milliseconds(100));
  CHECK(after_serving.restart_number == 10);
}

TEST_CASE("cluster: up gives up past --max-restarts within --restart-window") {
  RestartPolicy policy(
      RestartOptions{RestartMode::kOnFailure, 2, seconds(60), milliseconds(1)},
      2);
  auto start = RestartPolicy::Clock::now();
  const TaskExit crash{kKilled, milliseconds(5)};
  CHECK(policy.OnExit(0, crash, start).action == Action::kRestart);
  // Restarts of every task count together, as in an OTP supervisor.
  CHECK(policy.OnExit(1, crash, start + seconds(1)).action == Action::kRestart);
  CHECK(policy.OnExit(0, crash, start + seconds(2)).action == Action::kGiveUp);
  // Once the first restart has left the window, there is room again.
  CHECK(policy.OnExit(0, crash, start + seconds(60)).action ==
        Action::kRestart);
}

TEST_CASE("cluster: which exits up restarts, by --restart") {
  const int clean = 0;
  const int failed = 1 << 8;         // exit status 1
  const int configuration = 2 << 8;  // exit status 2
  auto decide = [](RestartMode mode, int wait_status) {
    RestartPolicy policy(
        RestartOptions{mode, 5, seconds(60), milliseconds(100)}, 1);
    return policy
        .OnExit(0, TaskExit{wait_status, seconds(1)},
                RestartPolicy::Clock::now())
        .action;
  };
  CHECK(decide(RestartMode::kOnFailure, kKilled) == Action::kRestart);
  CHECK(decide(RestartMode::kOnFailure, failed) == Action::kRestart);
  CHECK(decide(RestartMode::kOnFailure, clean) == Action::kStayDown);
  CHECK(decide(RestartMode::kAlways, clean) == Action::kRestart);
  CHECK(decide(RestartMode::kNo, kKilled) == Action::kStayDown);
  CHECK(decide(RestartMode::kNo, failed) == Action::kStayDown);
  for (RestartMode mode :
       {RestartMode::kNo, RestartMode::kOnFailure, RestartMode::kAlways}) {
    CHECK(decide(mode, configuration) == Action::kStayDownConfigurationError);
  }
  CHECK(cli::ParseRestartMode("on-failure").value() == RestartMode::kOnFailure);
  CHECK(absl::IsInvalidArgument(cli::ParseRestartMode("sometimes").status()));
}

// -- Real `troupe up` processes ----------------------------------------------

// The pid in the first line of `log` that starts with `prefix` followed by
// digits, or -1.
pid_t PidAfter(const std::string& log, const std::string& prefix) {
  size_t at = log.find(prefix);
  if (at == std::string::npos) return -1;
  at += prefix.size();
  size_t end = log.find_first_not_of("0123456789", at);
  int pid = -1;
  if (!absl::SimpleAtoi(log.substr(at, end - at), &pid)) return -1;
  return pid;
}

// Every pid up said it started a task as.
std::vector<pid_t> TaskPids(const std::string& log) {
  std::vector<pid_t> pids;
  for (const std::string& line : testing::CommandResult::Lines(log)) {
    if (!absl::StartsWith(line, "[up] started ") &&
        !absl::StartsWith(line, "[up] restarted "))
      continue;
    if (pid_t pid = PidAfter(line, "pid "); pid > 0) pids.push_back(pid);
  }
  return pids;
}

bool AllGone(const std::vector<pid_t>& pids, const std::string& spec) {
  for (pid_t pid : pids) {
    if (!support::ProcessGone(pid, spec)) return false;
  }
  return true;
}

// A `troupe up` over a new local cluster. Its destructor stops up and kills
// any task process it left behind, so that a failing test leaks nothing.
class UpRun {
 public:
  // Starts `troupe up --cluster SPEC FLAGS...` over `jobs` and, when
  // `wait_serving`, waits until every task serves (true), trying new ports
  // should another process have taken one.
  bool Start(std::vector<std::pair<std::string, int>> jobs,
             std::vector<std::string> flags, bool wait_serving = true,
             std::string spec_extra = "") {
    for (int attempt = 1; attempt <= 3; ++attempt) {
      Finish();
      cluster_ =
          std::make_unique<LocalCluster>(jobs, /*start=*/false, spec_extra);
      if (!cluster_->ready()) return false;
      std::vector<std::string> argv = {testing::TroupeBinary(), "up",
                                       "--cluster", cluster_->spec_path()};
      argv.insert(argv.end(), flags.begin(), flags.end());
      up_ = std::make_unique<Process>(argv, cluster_->dir().path() + "/up.log");
      if (!up_->started()) return false;
      if (!wait_serving) return true;
      std::vector<std::string> serving;
      for (const auto& [job, tasks] : jobs) {
        for (int i = 0; i < tasks; ++i) {
          serving.push_back(absl::StrCat("[", job, ":", i,
                                         "] troupe task /job:", job,
                                         "/task:", i, " serving on"));
        }
      }
      if (up_->WaitForLog(serving)) return true;
      if (!absl::StrContains(up_->Log(), "Cannot serve")) return false;
    }
    return false;
  }
  ~UpRun() { Finish(); }

  Process& up() { return *up_; }
  LocalCluster& cluster() { return *cluster_; }
  std::string Log() const { return up_ ? up_->Log() : ""; }
  // The pid of the latest start of /job:JOB/task:0.
  pid_t TaskPid(const std::string& job) const {
    std::string log = Log();
    std::string started = absl::StrCat("[up] started /job:", job, "/task:0");
    std::string restarted =
        absl::StrCat("[up] restarted /job:", job, "/task:0");
    pid_t pid = -1;
    for (const std::string& line : testing::CommandResult::Lines(log)) {
      if (absl::StartsWith(line, started) || absl::StartsWith(line, restarted))
        pid = PidAfter(line, "pid ");
    }
    return pid;
  }

 private:
  void Finish() {
    if (up_) {
      up_->Stop(SIGINT, absl::Seconds(15));
      for (pid_t pid : TaskPids(up_->Log())) {
        if (!support::ProcessGone(pid, cluster_->spec_path()))
          kill(pid, SIGKILL);
      }
    }
    up_.reset();
    cluster_.reset();
  }

  std::unique_ptr<LocalCluster> cluster_;
  std::unique_ptr<Process> up_;
};

bool Serves(const std::string& target) {
  return testing::RunCtl(target, {"list"}).ok();
}

TEST_CASE(
    "cluster: up --checkpoint-dir: a task killed with SIGKILL comes back "
    "with its variables and queues") {
  testing::TempDir data;
  UpRun run;
  REQUIRE_MESSAGE(
      run.Start({{"ps", 1}}, {"--data-dir", data.path(), "--checkpoint-dir",
                              "ckpt", "--checkpoint-every", "50ms"}),
      run.Log());
  const std::string target = run.cluster().target("ps");
  testing::CtlLine(
      target, {"variable-create", "v", "--dtype", "int32", "--shape", "[2]"});
  testing::CtlLine(target, {"assign", "v", "[4,2]"});
  testing::CtlLine(target, {"queue-create", "q", "--capacity", "3", "--dtypes",
                            "string", "--shapes", "[[]]"});
  testing::CtlLine(target, {"enqueue", "q", R"(["kept"])"});
  // Wait for a checkpoint that holds both.
  REQUIRE(WaitUntil([&] {
    auto listed = testing::RunCtl(target, {"checkpoints", "ckpt/ps-0"});
    if (!listed.ok()) return false;
    auto json = nlohmann::json::parse(listed.out, nullptr, false);
    return !json.is_discarded() && !json["checkpoints"].empty() &&
           json["checkpoints"][0]["tensors"] == 2;
  }));
  const pid_t first = run.TaskPid("ps");
  REQUIRE(kill(first, SIGKILL) == 0);
  REQUIRE(
      run.up().WaitForLog({"[ps:0] troupe task /job:ps/task:0: restored "
                           "checkpoint ckpt/ps-0/auto-"}));
  REQUIRE(WaitUntil([&] { return Serves(target); }));
  CHECK(testing::CtlLine(target, {"read", "v"}) == "[4,2]");
  CHECK(testing::CtlLine(target, {"dequeue", "q"}) == R"(["kept"])");
}

TEST_CASE(
    "cluster: up restarts a task killed with SIGKILL and it serves again") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}}, {}), run.Log());
  const pid_t first = run.TaskPid("ps");
  REQUIRE(first > 0);
  // A connection held open across the kill leaves the old socket on the port
  // (FIN_WAIT2): the new task binds beside it only with SO_REUSEADDR.
  const std::string target = run.cluster().target("ps");
  uint32_t port = 0;
  REQUIRE(absl::SimpleAtoi(target.substr(target.rfind(':') + 1), &port));
  const int held = testing::ConnectToLoopback(static_cast<uint16_t>(port));
  REQUIRE(held >= 0);
  struct CloseHeld {
    int fd;
    ~CloseHeld() { close(fd); }
  } close_held{held};
  REQUIRE(kill(first, SIGKILL) == 0);
  REQUIRE_MESSAGE(
      run.up().WaitForLog(
          {"[up] /job:ps/task:0 exited on signal 9; restart 1 in 0.1 s",
           "[up] restarted /job:ps/task:0 (restart 1, pid "}),
      run.Log());
  CHECK(run.TaskPid("ps") != first);
  REQUIRE_MESSAGE(WaitUntil([&] { return Serves(target); }, kLong), run.Log());
  CHECK(testing::CtlLine(target, {"queue-create", "q", "--capacity", "1",
                                  "--dtypes", "int32"}) ==
        R"({"created":true})");
  CHECK(run.up().Running());
}

TEST_CASE(
    "cluster: ctl status shows how often up restarted a task, and its new "
    "incarnation") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}}, {}), run.Log());
  const std::string spec = run.cluster().spec_path();
  nlohmann::json before =
      testing::CtlJson("", {"status", "--cluster", spec})[0];
  INFO("before: ", before.dump());
  CHECK(before["up"] == true);
  CHECK(before["restarts"] == 0);
  REQUIRE(kill(run.TaskPid("ps"), SIGKILL) == 0);
  REQUIRE_MESSAGE(
      run.up().WaitForLog({"[up] restarted /job:ps/task:0 (restart 1, pid "}),
      run.Log());
  REQUIRE_MESSAGE(
      WaitUntil([&] { return Serves(run.cluster().target("ps")); }, kLong),
      run.Log());
  nlohmann::json after = testing::CtlJson("", {"status", "--cluster", spec})[0];
  INFO("after: ", after.dump());
  CHECK(after["up"] == true);
  CHECK(after["restarts"] == 1);
  CHECK(after["incarnation"] != before["incarnation"]);
}

TEST_CASE(
    "cluster: up gives up on a crash loop at --max-restarts and leaves no "
    "task") {
  UpRun run;
  REQUIRE_MESSAGE(
      run.Start({{"ps", 1}, {"worker", 1}}, {"--max-restarts", "2"}),
      run.Log());
  REQUIRE(kill(run.TaskPid("ps"), SIGKILL) == 0);
  for (int restart = 1; restart <= 2; ++restart) {
    REQUIRE_MESSAGE(
        run.up().WaitForLog({absl::StrCat("[up] restarted /job:ps/task:0 "
                                          "(restart ",
                                          restart, ", pid ")}),
        run.Log());
    REQUIRE(kill(run.TaskPid("ps"), SIGKILL) == 0);
  }
  std::optional<int> status = run.up().WaitExit(kLong);
  INFO("up's log:\n", run.Log());
  CHECK(ExitedWith(status, 1));
  CHECK(absl::StrContains(run.Log(),
                          "[up] /job:ps/task:0 exited on signal 9; more than 2 "
                          "restarts within 60 s"));
  CHECK(absl::StrContains(
      run.Log(), "[worker:0] troupe task /job:worker/task:0 stopping"));
  CHECK_FALSE(absl::StrContains(run.Log(), "restart 3"));
  std::vector<pid_t> pids = TaskPids(run.Log());
  CHECK(pids.size() == 4);  // ps three times, the worker once
  CHECK(WaitUntil([&] { return AllGone(pids, run.cluster().spec_path()); },
                  kLong));
}

TEST_CASE("cluster: SIGTERM to up during a back-off stops it at once") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}}, {"--restart-backoff", "1h"}),
                  run.Log());
  REQUIRE(kill(run.TaskPid("ps"), SIGKILL) == 0);
  REQUIRE_MESSAGE(run.up().WaitForLog({"[up] /job:ps/task:0 exited on signal "
                                       "9; restart 1 in 3600 s"}),
                  run.Log());
  run.up().Signal(SIGTERM);
  // Bounded far below the hour of the back-off.
  std::optional<int> status = run.up().WaitExit(kLong);
  INFO("up's log:\n", run.Log());
  CHECK(ExitedWith(status, 0));
  CHECK(absl::StrContains(run.Log(), "[up] stopping every task"));
  CHECK_FALSE(absl::StrContains(run.Log(), "[up] restarted"));
  CHECK(AllGone(TaskPids(run.Log()), run.cluster().spec_path()));
}

TEST_CASE("cluster: a second SIGTERM to up kills its tasks at once") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}, {"worker", 1}}, {"--stop-grace", "1h"}),
                  run.Log());
  // A stopped task cannot act on SIGTERM; SIGKILL still ends it.
  const pid_t ps = run.TaskPid("ps");
  REQUIRE(kill(ps, SIGSTOP) == 0);
  run.up().Signal(SIGTERM);
  REQUIRE_MESSAGE(run.up().WaitForLog(
                      {"[up] stopping every task",
                       "[worker:0] troupe task /job:worker/task:0 stopping"}),
                  run.Log());
  run.up().Signal(SIGTERM);
  // Bounded far below the hour of --stop-grace.
  std::optional<int> status = run.up().WaitExit(kLong);
  INFO("up's log:\n", run.Log());
  CHECK(ExitedWith(status, 1));
  CHECK(absl::StrContains(run.Log(),
                          "[up] second signal: killing every task (SIGKILL)"));
  CHECK(absl::StrContains(run.Log(), "[up] /job:ps/task:0 exited on signal 9"));
  CHECK(WaitUntil(
      [&] { return support::ProcessGone(ps, run.cluster().spec_path()); },
      kLong));
}

TEST_CASE("cluster: up kills a task still running after --stop-grace") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}}, {"--stop-grace", "1s"}), run.Log());
  const pid_t ps = run.TaskPid("ps");
  REQUIRE(kill(ps, SIGSTOP) == 0);
  run.up().Signal(SIGTERM);
  std::optional<int> status = run.up().WaitExit(kLong);
  INFO("up's log:\n", run.Log());
  CHECK(ExitedWith(status, 1));
  CHECK(absl::StrContains(
      run.Log(),
      "[up] tasks still running 1 s after SIGTERM: killing them (SIGKILL)"));
  CHECK(WaitUntil(
      [&] { return support::ProcessGone(ps, run.cluster().spec_path()); },
      kLong));
}

TEST_CASE("cluster: up --restart no leaves a killed task down") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}}, {"--restart", "no"}), run.Log());
  REQUIRE(kill(run.TaskPid("ps"), SIGKILL) == 0);
  // With its only task down, up has nothing left to run.
  std::optional<int> status = run.up().WaitExit(kLong);
  INFO("up's log:\n", run.Log());
  CHECK(ExitedWith(status, 1));
  CHECK(
      absl::StrContains(run.Log(), "[up] /job:ps/task:0 exited on signal 9\n"));
  CHECK_FALSE(absl::StrContains(run.Log(), "restart"));
}

TEST_CASE("cluster: up leaves a task down that stopped cleanly on its own") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}}, {}), run.Log());
  REQUIRE(kill(run.TaskPid("ps"), SIGTERM) == 0);
  std::optional<int> status = run.up().WaitExit(kLong);
  INFO("up's log:\n", run.Log());
  CHECK(ExitedWith(status, 1));
  CHECK(absl::StrContains(run.Log(),
                          "[up] /job:ps/task:0 exited with status 0\n"));
  CHECK_FALSE(absl::StrContains(run.Log(), "restart"));
}

TEST_CASE("cluster: up --restart always restarts a task that exited 0") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}}, {"--restart", "always"}), run.Log());
  REQUIRE(kill(run.TaskPid("ps"), SIGTERM) == 0);
  REQUIRE_MESSAGE(
      run.up().WaitForLog(
          {"[up] /job:ps/task:0 exited with status 0; restart 1 in 0.1 s",
           "[up] restarted /job:ps/task:0 (restart 1, pid "}),
      run.Log());
  const std::string target = run.cluster().target("ps");
  CHECK_MESSAGE(WaitUntil([&] { return Serves(target); }, kLong), run.Log());
}

TEST_CASE("cluster: up never restarts a task that exits with status 2") {
  // up reads only the cluster of the spec; each task checks the TLS files
  // too, finds them missing and exits with its configuration error.
  UpRun run;
  REQUIRE(run.Start({{"ps", 1}}, {"--restart", "always"},
                    /*wait_serving=*/false,
                    R"("tls": {"certificate": "missing.pem", )"
                    R"("key": "missing.key", "ca": "missing-ca.pem"})"));
  std::optional<int> status = run.up().WaitExit(kLong);
  INFO("up's log:\n", run.Log());
  CHECK(ExitedWith(status, 1));
  CHECK(absl::StrContains(run.Log(),
                          "[up] /job:ps/task:0 exited with status 2 (a "
                          "configuration error); not restarted"));
  CHECK_FALSE(absl::StrContains(run.Log(), "restart 1"));
}

TEST_CASE("cluster: killing up with SIGKILL leaves no task process") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}, {"worker", 1}}, {}), run.Log());
  std::vector<pid_t> pids = TaskPids(run.Log());
  REQUIRE(pids.size() == 2);
  run.up().Signal(SIGKILL);
  REQUIRE(run.up().WaitExit(kLong).has_value());
  CHECK(WaitUntil([&] { return AllGone(pids, run.cluster().spec_path()); },
                  kLong));
}

TEST_CASE(
    "cluster: up reaps its tasks even when started with SIGCHLD ignored") {
  // bash's empty trap sets SIGCHLD to SIG_IGN (dash's does not), which exec
  // keeps.
  LocalCluster cluster({{"ps", 1}}, /*start=*/false);
  REQUIRE_CLUSTER(cluster);
  Process up({"/bin/bash", "-c", "trap '' CHLD; exec \"$0\" \"$@\"",
              testing::TroupeBinary(), "up", "--cluster", cluster.spec_path(),
              "--restart", "no"},
             cluster.dir().path() + "/up.log");
  REQUIRE(up.started());
  // Its task dies with it (PR_SET_PDEATHSIG).
  struct StopUp {
    Process& up;
    ~StopUp() { up.Stop(SIGKILL, absl::Seconds(15)); }
  } stop_up{up};
  REQUIRE_MESSAGE(
      up.WaitForLog({"[ps:0] troupe task /job:ps/task:0 serving on"}),
      up.Log());
  std::vector<pid_t> pids = TaskPids(up.Log());
  REQUIRE(pids.size() == 1);
  REQUIRE(kill(pids[0], SIGKILL) == 0);
  std::optional<int> status = up.WaitExit(kLong);
  INFO("up's log:\n", up.Log());
  CHECK(ExitedWith(status, 1));
  CHECK(absl::StrContains(up.Log(), "[up] /job:ps/task:0 exited on signal 9"));
}

// The pipe inodes among the descriptors of `pid` numbered `from` to `to`.
std::set<std::string> PipesOf(pid_t pid, int from, int to = INT_MAX) {
  std::set<std::string> pipes;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/fd"), error)) {
    int fd = -1;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &fd) || fd < from ||
        fd > to) {
      continue;
    }
    std::string target = std::filesystem::read_symlink(entry, error).string();
    if (absl::StartsWith(target, "pipe:")) pipes.insert(target);
  }
  return pipes;
}

TEST_CASE("cluster: up's tasks hold none of up's pipes") {
  UpRun run;
  REQUIRE_MESSAGE(run.Start({{"ps", 1}, {"worker", 1}}, {}), run.Log());
  std::set<std::string> up_pipes = PipesOf(run.up().pid(), 0);
  REQUIRE(up_pipes.size() >= 2);  // the read ends of its tasks' output
  for (const std::string job : {"ps", "worker"}) {
    // Beyond its stdin, stdout and stderr (which its logger may hold a
    // second handle of), a task has only its own pipes.
    const pid_t task = run.TaskPid(job);
    const std::set<std::string> output = PipesOf(task, 0, 2);
    for (const std::string& pipe : PipesOf(task, 3)) {
      INFO("/job:", job, "/task:0 holds ", pipe);
      CHECK((output.count(pipe) > 0 || up_pipes.count(pipe) == 0));
    }
  }
}

}  // namespace
}  // namespace troupe
