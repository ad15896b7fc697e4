#include "support/child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

#include "support/deadline.h"

namespace troupe::support {

absl::StatusOr<std::unique_ptr<Child>> Child::Spawn(
    const std::vector<std::string>& argv) {
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return absl::InternalError("pipe failed");
  }
  std::unique_ptr<Child> child(
      new Child(argv, {in[0], out[1], StdioFds::kInherit}));
  close(in[0]);
  close(out[1]);
  child->stdin_fd_ = in[1];
  child->stdout_fd_ = out[0];
  if (!child->process_.started()) {
    return absl::InternalError(
        absl::StrCat("cannot start ", argv.empty() ? "nothing" : argv[0]));
  }
  return child;
}

Child::Child(const std::vector<std::string>& argv, StdioFds stdio)
    : process_(argv, stdio) {}

Child::~Child() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

absl::StatusOr<std::string> Child::ReadLine(std::chrono::milliseconds timeout) {
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    const int left = PollMillis(deadline);
    if (left == 0) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line from process ", pid(), " in time"));
    }
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (poll(&fd, 1, left) <= 0) continue;  // EINTR, or the deadline passed.
    char chunk[4096];
    const ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat("process ", pid(), " closed its output"));
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

absl::Status Child::WriteLine(const std::string& line) {
  const std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(stdin_fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("cannot write to the child");
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

int Child::Stop(int signal, std::chrono::milliseconds timeout) {
  return process_.Stop(signal, std::chrono::steady_clock::now() + timeout);
}

int Child::Wait(std::chrono::milliseconds timeout) {
  if (auto status =
          process_.WaitExit(std::chrono::steady_clock::now() + timeout)) {
    return *status;
  }
  process_.Stop(SIGKILL, std::chrono::steady_clock::now());
  return -1;
}

}  // namespace troupe::support
