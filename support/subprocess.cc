#include "support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace troupe::support {

namespace {

// How long a child killed with SIGKILL is given to go.
constexpr std::chrono::seconds kKillGrace{10};

// Spawns `argv` as Subprocess's constructor says. Returns the pid, or -1.
pid_t Spawn(const std::vector<std::string>& argv, StdioFds stdio) {
  if (argv.empty()) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const int targets[] = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
  const int sources[] = {stdio.in, stdio.out, stdio.err};
  for (int i = 0; i < 3; ++i) {
    if (sources[i] != StdioFds::kInherit)
      posix_spawn_file_actions_adddup2(&actions, sources[i], targets[i]);
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal_number : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD})
    sigaddset(&defaults, signal_number);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> copies = argv;
  std::vector<char*> args;
  for (std::string& arg : copies) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  const int failed =
      posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return failed == 0 ? pid : -1;
}

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv, StdioFds stdio)
    : pid_(Spawn(argv, stdio)) {
  if (pid_ <= 0) return;
  // Race-free: the pid stays ours until it is reaped.
  const long fd = syscall(SYS_pidfd_open, pid_, 0);
  if (fd >= 0) {
    pidfd_ = static_cast<int>(fd);
    fcntl(pidfd_, F_SETFD, FD_CLOEXEC);
    return;
  }
  // Without a pidfd its exit cannot be waited for with a deadline: give up
  // on it. SIGKILL cannot be caught, so the reap returns at once.
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

Subprocess::~Subprocess() {
  if (Running()) {
    kill(pid_, SIGKILL);
    WaitExit(std::chrono::steady_clock::now() + kKillGrace);
  }
  if (pidfd_ >= 0) close(pidfd_);
}

bool Subprocess::Running() {
  if (!started() || status_) return false;
  int status = 0;
  pid_t done = waitpid(pid_, &status, WNOHANG);
  while (done < 0 && errno == EINTR) done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) status_ = status;
  return !status_;
}

void Subprocess::Signal(int signal_number) {
  if (Running()) kill(pid_, signal_number);
}

std::optional<int> Subprocess::WaitExit(Deadline deadline) {
  while (Running()) {
    const int left = PollMillis(deadline);
    if (left == 0) break;
    pollfd fd{pidfd_, POLLIN, 0};
    if (poll(&fd, 1, left) < 0 && errno != EINTR) break;
  }
  return status_;
}

int Subprocess::Stop(int signal_number, Deadline deadline) {
  Signal(signal_number);
  if (!WaitExit(deadline)) {
    Signal(SIGKILL);
    WaitExit(std::chrono::steady_clock::now() + kKillGrace);
  }
  return status_ ? *status_ : -1;
}

}  // namespace troupe::support
