#include "bench/bench_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace troupe::bench {

int64_t NowNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

double Seconds(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

double Quantile(std::vector<double> samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  double rank = std::ceil(q * static_cast<double>(samples.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return samples[std::min(index, samples.size() - 1)];
}

double Median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2]
                    : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

absl::StatusOr<uint16_t> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return absl::InternalError("cannot bind a loopback port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

absl::StatusOr<ProcStatus> ReadProcStatus(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError(absl::StrCat("no process ", pid));
  ProcStatus status;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    int64_t value = 0;
    fields >> key >> value;
    if (key == "VmRSS:") status.rss_bytes = value * 1024;  // Reported in kB.
    if (key == "Threads:") status.threads = value;
  }
  return status;
}

absl::StatusOr<std::unique_ptr<Child>> Child::Spawn(
    const std::vector<std::string>& argv, bool capture_stdout) {
  int in_pipe[2];
  int out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return absl::InternalError("pipe");
  }
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    if (capture_stdout) {
      dup2(out_pipe[1], STDOUT_FILENO);
    } else {
      int null_fd = open("/dev/null", O_WRONLY);
      dup2(null_fd, STDOUT_FILENO);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  std::unique_ptr<Child> child(new Child());
  child->pid_ = pid;
  child->stdin_fd_ = in_pipe[1];
  child->stdout_fd_ = out_pipe[0];
  return child;
}

Child::~Child() {
  if (!exited_ && pid_ > 0) Stop(SIGKILL, std::chrono::milliseconds(5000));
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

absl::StatusOr<std::string> Child::ReadLine(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line from process ", pid_, " in time"));
    }
    pollfd fd{stdout_fd_, POLLIN, 0};
    int ready = poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[4096];
    ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat("process ", pid_, " closed its output"));
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

absl::Status Child::WriteLine(const std::string& line) {
  std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(stdin_fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("cannot write to child");
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

int Child::Wait(std::chrono::milliseconds timeout) {
  if (exited_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      status_ = status;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  exited_ = true;
  return -1;
}

int Child::Stop(int signal, std::chrono::milliseconds timeout) {
  if (exited_) return status_;
  kill(pid_, signal);
  return Wait(timeout);
}

absl::StatusOr<std::string> ExpectLine(Child& child, const std::string& prefix,
                                       std::chrono::milliseconds timeout) {
  auto line = child.ReadLine(timeout);
  if (!line.ok()) return line.status();
  if (!absl::StartsWith(*line, prefix)) {
    return absl::InternalError(absl::StrCat("process ", child.pid(), " said '",
                                            *line, "', expected '", prefix,
                                            "'"));
  }
  return line->substr(prefix.size());
}

namespace {

// True once a TCP connection to 127.0.0.1:port succeeds.
bool Accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TroupeTask>> TroupeTask::Start(
    const std::string& troupe_binary, const std::string& work_dir) {
  auto port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::unique_ptr<TroupeTask> task(new TroupeTask());
  task->target_ = absl::StrCat("127.0.0.1:", *port);
  task->spec_path_ = absl::StrCat(work_dir, "/cluster-", *port, ".json");
  {
    std::ofstream spec(task->spec_path_);
    spec << "{\"cluster\": {\"ps\": [\"" << task->target_ << "\"]}}\n";
    if (!spec) return absl::InternalError("cannot write the cluster spec");
  }
  auto child = Child::Spawn({troupe_binary, "task", "--cluster",
                             task->spec_path_, "--job", "ps", "--task", "0"});
  if (!child.ok()) return child.status();
  task->child_ = std::move(*child);
  // Ready means: it says it serves, and its port accepts connections.
  auto serving = ExpectLine(*task->child_, "troupe task /job:ps/task:0 serving",
                            std::chrono::milliseconds(30000));
  if (!serving.ok()) return serving.status();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!Accepts(*port)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError("the task does not accept");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return task;
}

TroupeTask::~TroupeTask() {
  if (child_) child_->Stop(SIGTERM, std::chrono::milliseconds(10000));
  if (!spec_path_.empty()) unlink(spec_path_.c_str());
}

std::string SelfPath() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  path[n] = '\0';
  return path;
}

}  // namespace troupe::bench
