#include "cli/task_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace troupe::cli {

namespace {

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecChild(pid_t parent, int output, char* const argv[],
                            char* const envp[]) {
  // SIGKILL, not SIGTERM: nobody is left to escalate should a task not stop.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) _exit(127);
  // up died before the prctl took effect: this child was already orphaned.
  if (getppid() != parent) _exit(127);
  // dup2 onto itself would keep O_CLOEXEC: move a low descriptor up first.
  const int fd = output > STDERR_FILENO
                     ? output
                     : fcntl(output, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
    _exit(127);
  closefrom(STDERR_FILENO + 1);
  struct sigaction default_action;
  std::memset(&default_action, 0, sizeof(default_action));
  default_action.sa_handler = SIG_DFL;
  for (int signal_number : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD})
    sigaction(signal_number, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(argv[0], argv, envp);
  _exit(127);
}

}  // namespace

absl::StatusOr<SpawnedTask> SpawnTask(
    const std::vector<std::string>& argv,
    const std::vector<std::string>& environment) {
  if (argv.empty()) return absl::InternalError("nothing to start");
  std::vector<std::string> copies = argv;
  std::vector<char*> args;
  for (std::string& arg : copies) args.push_back(arg.data());
  args.push_back(nullptr);
  // Built before the fork: the child may only make async-signal-safe calls.
  std::vector<std::string> variables = environment;
  std::vector<char*> envp;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view inherited(*entry);
    const bool replaced = std::any_of(
        environment.begin(), environment.end(), [&](const std::string& added) {
          return inherited.substr(0, inherited.find('=')) ==
                 std::string_view(added).substr(0, added.find('='));
        });
    if (!replaced) envp.push_back(*entry);
  }
  for (std::string& variable : variables) envp.push_back(variable.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) ExecChild(parent, pipe_fds[1], args.data(), envp.data());
  const int fork_error = errno;
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    return absl::InternalError(
        absl::StrCat("fork: ", std::strerror(fork_error)));
  }
  fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  return SpawnedTask{pid, pipe_fds[0]};
}

}  // namespace troupe::cli
