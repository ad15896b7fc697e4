// A `troupe task` whose stdout is a pipe the test holds and does not read:
// once its own lines have filled the pipe, the task still serves and still
// stops on SIGTERM. Every wait has a deadline.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"

#include "support/subprocess.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using testing::LocalCluster;

constexpr std::chrono::seconds kLong{20};

// Opens a connection to `port`, sends a byte and closes it: the task logs
// the connection closed.
void OpenAndClose(uint16_t port) {
  const int fd = testing::ConnectToLoopback(port);
  REQUIRE(fd >= 0);
  CHECK(send(fd, "x", 1, MSG_NOSIGNAL) == 1);
  close(fd);
}

// `troupe task` for /job:ps/task:0 of `cluster`, its stdout a pipe of (at
// least) `pipe_bytes` that the test reads only through ReadUntil, its stderr
// a file.
class PipedTask {
 public:
  PipedTask(LocalCluster& cluster, int pipe_bytes) {
    REQUIRE(pipe2(fds_, O_CLOEXEC) == 0);
    fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    fcntl(fds_[1], F_SETPIPE_SZ, pipe_bytes);
    capacity_ = fcntl(fds_[1], F_GETPIPE_SZ);
    const std::string err_path = cluster.dir().path() + "/task.err";
    const int err =
        open(err_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(err >= 0);
    process_ = std::make_unique<support::Subprocess>(
        std::vector<std::string>{testing::TroupeBinary(), "task", "--cluster",
                                 cluster.spec_path(), "--job", "ps", "--task",
                                 "0"},
        support::StdioFds{support::StdioFds::kInherit, fds_[1], err});
    close(err);
    REQUIRE(process_->started());
  }
  ~PipedTask() {
    process_.reset();
    close(fds_[0]);
    close(fds_[1]);
  }

  support::Subprocess& process() { return *process_; }
  int capacity() const { return capacity_; }
  // Bytes in the pipe, not yet read.
  int Unread() const {
    int count = 0;
    ioctl(fds_[0], FIONREAD, &count);
    return count;
  }

  // Reads until a line that contains `needle` is complete; all read so far.
  std::string ReadUntil(const std::string& needle) {
    const auto deadline = std::chrono::steady_clock::now() + kLong;
    while (std::chrono::steady_clock::now() < deadline) {
      const size_t at = read_.find(needle);
      if (at != std::string::npos && read_.find('\n', at) != std::string::npos)
        break;
      char chunk[4096];
      const ssize_t count = read(fds_[0], chunk, sizeof(chunk));
      if (count > 0) {
        read_.append(chunk, count);
      } else if (count == 0 || errno != EAGAIN) {
        break;
      } else {
        pollfd fd{fds_[0], POLLIN, 0};
        poll(&fd, 1, support::PollMillis(deadline));
      }
    }
    return read_;
  }

  // Fills the pipe to its capacity with bytes of the test's own, through a
  // description of its own: the task's stays as it is.
  void FillUp() {
    const int fd = open(absl::StrCat("/proc/self/fd/", fds_[1]).c_str(),
                        O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(fd >= 0);
    while (write(fd, "f", 1) == 1) {
    }
    close(fd);
  }

 private:
  int fds_[2] = {-1, -1};
  int capacity_ = 0;
  std::unique_ptr<support::Subprocess> process_;
  std::string read_;
};

bool ExitedWithZero(const std::optional<int>& status) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

TEST_CASE(
    "cluster: a task whose stdout nobody reads serves on and stops on "
    "SIGTERM") {
  LocalCluster cluster({{"ps", 1}}, /*start=*/false);
  REQUIRE(cluster.ready());
  PipedTask task(cluster, 4096);
  const std::string started = task.ReadUntil("serving on");
  REQUIRE_MESSAGE(absl::StrContains(started, "serving on"), started);
  const uint16_t port = cluster.port();

  // The task's own lines fill the pipe until about ten lines' worth is
  // left (its logger writes a few lines at once, each write whole)...
  const absl::Time filled_by = absl::Now() + absl::Seconds(30);
  while (task.Unread() < task.capacity() - 1024 && absl::Now() < filled_by) {
    const int before = task.Unread();
    OpenAndClose(port);
    // Each connection's close is logged; the wait for its line is short all
    // the same, bounded by the deadline.
    testing::WaitUntil([&] { return task.Unread() > before; },
                       std::min(absl::Seconds(1), filled_by - absl::Now()));
  }
  REQUIRE(task.Unread() >= task.capacity() - 1024);
  // ... and the test fills what is left, so that no byte more fits.
  task.FillUp();
  REQUIRE(task.Unread() == task.capacity());
  for (int i = 0; i < 20; ++i) OpenAndClose(port);

  const testing::CommandResult created = testing::RunCtl(
      cluster.target(),
      {"queue-create", "q", "--capacity", "2", "--dtypes", "int32"});
  CHECK_MESSAGE(created.ok(), created.Describe());
  CHECK(task.Unread() == task.capacity());

  task.process().Signal(SIGTERM);
  const std::optional<int> status =
      task.process().WaitExit(std::chrono::steady_clock::now() + kLong);
  CHECK_MESSAGE(ExitedWithZero(status), "the task did not stop on SIGTERM");
}

TEST_CASE(
    "cluster: --log-level warning keeps a task's info lines out and its "
    "warnings in") {
  LocalCluster cluster({{"ps", 1}}, /*start=*/false);
  REQUIRE(cluster.ready());
  const testing::CommandResult loud =
      testing::RunTroupe({"task", "--cluster", cluster.spec_path(), "--job",
                          "ps", "--task", "0", "--log-level", "loud"});
  CHECK(loud.exit_code == 2);
  CHECK(loud.FirstErrLine() ==
        "troupe task: Invalid --log-level 'loud'; expected debug, info, "
        "warning or error");

  testing::Process task(
      {testing::TroupeBinary(), "task", "--cluster", cluster.spec_path(),
       "--job", "ps", "--task", "0", "--log-level", "warning"},
      cluster.dir().path() + "/task.log");
  REQUIRE(task.started());
  REQUIRE(testing::WaitUntil(
      [&] { return testing::RunCtl(cluster.target(), {"list"}).ok(); },
      absl::Seconds(20)));
  // A connection whose first bytes are no handshake is closed: a warning.
  const int fd = testing::ConnectToLoopback(cluster.port());
  REQUIRE(fd >= 0);
  CHECK(send(fd, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL) == 18);
  CHECK(
      task.WaitForLog({"warning: troupe task /job:ps/task:0: connection "
                       "from 127.0.0.1"}));
  close(fd);
  const std::string log = task.Log();
  CHECK_MESSAGE(!absl::StrContains(log, "serving on"), log);
  CHECK_MESSAGE(!absl::StrContains(log, " opened"), log);
}

}  // namespace
}  // namespace troupe
