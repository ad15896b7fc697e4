#include "tests/cluster/task_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

#include "support/deadline.h"
#include "support/read_file.h"

namespace troupe {
namespace testing {

namespace {

// The deadline `timeout` from now, on support/'s clock.
support::Deadline DeadlineIn(absl::Duration timeout) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
}

// The test process writes to pipes whose readers may be gone.
void IgnoreSigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { signal(SIGPIPE, SIG_IGN); });
}

bool ContainsAll(const std::string& text,
                 const std::vector<std::string>& needles) {
  for (const std::string& needle : needles) {
    if (!absl::StrContains(text, needle)) return false;
  }
  return true;
}

}  // namespace

std::string TroupeBinary() {
  if (const char* path = std::getenv("TROUPE_BIN");
      path != nullptr && *path != '\0') {
    return path;
  }
  std::error_code error;
  std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", error);
  return (self.parent_path().parent_path() / "bin" / "troupe").string();
}

bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    std::this_thread::yield();
  }
}

// -- CommandResult
// --------------------------------------------------------------

std::vector<std::string> CommandResult::Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string CommandResult::FirstErrLine() const {
  return err.substr(0, err.find('\n'));
}

std::string CommandResult::Describe() const {
  return absl::StrCat("exit code ", exit_code, ", signal ", term_signal,
                      timed_out ? ", TIMED OUT" : "", "\n--- stdout ---\n", out,
                      "\n--- stderr ---\n", err);
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::string& input, absl::Duration timeout) {
  IgnoreSigpipe();
  CommandResult result;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) return result;
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    return result;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    return result;
  }
  support::Subprocess child(argv, {in[0], out[1], err[1]});
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (!child.started()) {
    close(in[1]), close(out[0]), close(err[0]);
    result.err = absl::StrCat("cannot start ", argv.empty() ? "" : argv[0]);
    return result;
  }
  int to_child = in[1];
  size_t written = 0;
  if (input.empty()) {
    close(to_child);
    to_child = -1;
  } else {
    fcntl(to_child, F_SETFL, O_NONBLOCK);
  }
  int from_child[2] = {out[0], err[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  support::Deadline deadline = DeadlineIn(timeout);
  bool killed = false;
  while (from_child[0] >= 0 || from_child[1] >= 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      if (killed) break;  // Its output stays open (a grandchild?): give up.
      child.Signal(SIGKILL);
      killed = true;
      result.timed_out = true;
      deadline = DeadlineIn(absl::Seconds(5));
    }
    std::vector<pollfd> fds;
    for (int fd : from_child) fds.push_back({fd, POLLIN, 0});
    fds.push_back({to_child, POLLOUT, 0});
    if (poll(fds.data(), fds.size(), support::PollMillis(deadline)) < 0 &&
        errno != EINTR)
      break;
    for (int i = 0; i < 2; ++i) {
      if (from_child[i] < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t count = read(from_child[i], buffer, sizeof(buffer));
      if (count > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(count));
      } else if (count == 0 || errno != EINTR) {
        close(from_child[i]);
        from_child[i] = -1;
      }
    }
    if (to_child >= 0 && fds[2].revents != 0) {
      ssize_t count =
          write(to_child, input.data() + written, input.size() - written);
      if (count > 0) written += static_cast<size_t>(count);
      if ((count < 0 && errno != EAGAIN && errno != EINTR) ||
          written == input.size()) {
        close(to_child);
        to_child = -1;
      }
    }
  }
  for (int fd : {from_child[0], from_child[1], to_child}) {
    if (fd >= 0) close(fd);
  }
  std::optional<int> status = child.WaitExit(DeadlineIn(absl::Seconds(5)));
  if (!status) {
    child.Signal(SIGKILL);
    result.timed_out = true;
    status = child.WaitExit(DeadlineIn(absl::Seconds(5)));
  }
  if (status && WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  if (status && WIFSIGNALED(*status)) result.term_signal = WTERMSIG(*status);
  return result;
}

namespace {

// Field `name` ("VmRSS:") of /proc/PID/status in bytes; -1 if missing.
int64_t StatusBytes(pid_t pid, absl::string_view name) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, name)) {
      return std::stoll(line.substr(name.size())) * 1024;  // In kB.
    }
  }
  return -1;
}

}  // namespace

int64_t ResidentBytes(pid_t pid) { return StatusBytes(pid, "VmRSS:"); }

int64_t PeakResidentBytes(pid_t pid) { return StatusBytes(pid, "VmHWM:"); }

bool ResetPeakResident(pid_t pid) {
  std::ofstream clear_refs(absl::StrCat("/proc/", pid, "/clear_refs"));
  clear_refs << "5";
  clear_refs.flush();
  return clear_refs.good();
}

CommandResult RunTroupe(const std::vector<std::string>& args,
                        const std::string& input, absl::Duration timeout) {
  std::vector<std::string> argv = {TroupeBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, input, timeout);
}

CommandResult RunCtl(const std::string& target,
                     const std::vector<std::string>& args,
                     const std::string& input, absl::Duration timeout) {
  std::vector<std::string> all = {"ctl", "--target", target};
  all.insert(all.end(), args.begin(), args.end());
  return RunTroupe(all, input, timeout);
}

// -- Process
// -------------------------------------------------------------------

Process::Process(const std::vector<std::string>& argv, std::string log_path)
    : log_path_(std::move(log_path)) {
  IgnoreSigpipe();
  // Created here so that WaitForLog can watch it from the start.
  const int log =
      open(log_path_.c_str(),
           O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return;
  const int no_input = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (no_input >= 0) {
    child_ = std::make_unique<support::Subprocess>(
        argv, support::StdioFds{no_input, log, log});
    close(no_input);
  }
  close(log);
}

std::string Process::Log() const { return support::ReadFile(log_path_); }

bool Process::Running() { return child_ && child_->Running(); }

void Process::Signal(int signal_number) {
  if (child_) child_->Signal(signal_number);
}

std::optional<int> Process::WaitExit(absl::Duration timeout) {
  if (!child_) return std::nullopt;
  return child_->WaitExit(DeadlineIn(timeout));
}

int Process::Stop(int signal_number, absl::Duration grace) {
  if (!child_) return -1;
  return child_->Stop(signal_number, DeadlineIn(grace));
}

bool Process::WaitForLog(const std::vector<std::string>& needles,
                         absl::Duration timeout) {
  const support::Deadline deadline = DeadlineIn(timeout);
  // Watched before the first look, so that no write goes unnoticed.
  int watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (watch >= 0 && inotify_add_watch(watch, log_path_.c_str(),
                                      IN_MODIFY | IN_CLOSE_WRITE) < 0) {
    close(watch);
    watch = -1;
  }
  bool found = false;
  while (true) {
    if (ContainsAll(Log(), needles)) {
      found = true;
      break;
    }
    if (!Running()) {
      found = ContainsAll(Log(), needles);
      break;
    }
    // Without a watch nothing would wake this wait: give up rather than poll.
    if (watch < 0 || support::PollMillis(deadline) == 0) break;
    pollfd fds[2] = {{watch, POLLIN, 0}, {child_->exit_fd(), POLLIN, 0}};
    poll(fds, 2, support::PollMillis(deadline));
    char events[4096];
    while (read(watch, events, sizeof(events)) > 0) {
    }
  }
  if (watch >= 0) close(watch);
  return found;
}

// -- TaskProcess
// -----------------------------------------------------------------

namespace {

std::vector<std::string> TaskArgs(const std::string& cluster_file,
                                  const std::string& job, int index,
                                  const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {
      TroupeBinary(), "task", "--cluster", cluster_file,
      "--job",        job,    "--task",    std::to_string(index)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return args;
}

}  // namespace

TaskProcess::TaskProcess(const std::string& cluster_file,
                         const std::string& job, int index,
                         const std::string& log_path,
                         const std::vector<std::string>& extra_args)
    : process_(TaskArgs(cluster_file, job, index, extra_args), log_path) {}

bool TaskProcess::WaitReady(absl::Duration timeout) {
  return process_.WaitForLog({"serving on"}, timeout);
}

// -- LocalCluster
// ----------------------------------------------------------------

LocalCluster::LocalCluster(std::vector<std::pair<std::string, int>> jobs,
                           bool start, std::string spec_extra)
    : jobs_(std::move(jobs)), spec_extra_(std::move(spec_extra)) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    size_t count = 0;
    for (const auto& [job, tasks] : jobs_) count += static_cast<size_t>(tasks);
    std::vector<uint16_t> ports = FreePorts(count);
    if (ports.size() != count) continue;
    addresses_.clear();
    std::vector<std::string> job_texts;
    size_t next = 0;
    for (const auto& [job, tasks] : jobs_) {
      std::vector<std::string> addresses;
      for (int i = 0; i < tasks; ++i) {
        uint16_t port = ports[next++];
        addresses_.emplace_back(absl::StrCat(job, ":", i), port);
        addresses.push_back(absl::StrCat("\"127.0.0.1:", port, "\""));
      }
      job_texts.push_back(absl::StrCat("\"", job, "\": [",
                                       absl::StrJoin(addresses, ", "), "]"));
    }
    spec_path_ = dir_.Write(
        "cluster.json",
        absl::StrCat("{\"cluster\": {", absl::StrJoin(job_texts, ", "), "}",
                     spec_extra_.empty() ? "" : ", ", spec_extra_, "}\n"));
    if (!start) {
      ready_ = true;
      return;
    }
    if (StartAll()) {
      ready_ = true;
      return;
    }
    // Another process may have taken one of the ports: try new ones.
    bool port_taken = false;
    for (auto& [name, task] : tasks_) {
      port_taken = port_taken || absl::StrContains(task->Log(), "Cannot serve");
    }
    if (!port_taken) return;
    tasks_.clear();
  }
}

LocalCluster::~LocalCluster() {
  for (auto& [name, task] : tasks_)
    task->process().Stop(SIGKILL, absl::Seconds(10));
}

bool LocalCluster::StartAll() {
  for (const auto& [job, tasks] : jobs_) {
    for (int i = 0; i < tasks; ++i) {
      tasks_.emplace_back(
          absl::StrCat(job, ":", i),
          std::make_unique<TaskProcess>(
              spec_path_, job, i,
              absl::StrCat(dir_.path(), "/", job, "-", i, ".log"),
              std::vector<std::string>{"--data-dir", data_dir(job, i)}));
    }
  }
  bool all = true;
  for (auto& [name, task] : tasks_) all = task->WaitReady() && all;
  return all;
}

std::string LocalCluster::Describe() const {
  std::string text = absl::StrCat("cluster spec ", spec_path_, "\n");
  for (const auto& [name, task] : tasks_) {
    absl::StrAppend(&text, "--- log of ", name, " ---\n", task->Log(), "\n");
  }
  return text;
}

std::string LocalCluster::data_dir(const std::string& job, int index) const {
  std::string path = absl::StrCat(dir_.path(), "/data-", job, "-", index);
  std::filesystem::create_directories(path);
  return path;
}

std::string LocalCluster::target(const std::string& job, int index) const {
  std::string name = absl::StrCat(job, ":", index);
  for (const auto& [task, port] : addresses_) {
    if (task == name) return absl::StrCat("127.0.0.1:", port);
  }
  return "";
}

uint16_t LocalCluster::port(const std::string& job, int index) const {
  std::string name = absl::StrCat(job, ":", index);
  for (const auto& [task, port] : addresses_) {
    if (task == name) return port;
  }
  return 0;
}

TaskAddress LocalCluster::address(const std::string& job, int index) const {
  return {"127.0.0.1", port(job, index)};
}

TaskProcess* LocalCluster::task(const std::string& job, int index) {
  std::string name = absl::StrCat(job, ":", index);
  for (auto& [task_name, task] : tasks_) {
    if (task_name == name) return task.get();
  }
  return nullptr;
}

}  // namespace testing
}  // namespace troupe
