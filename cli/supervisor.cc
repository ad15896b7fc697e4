#include "cli/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iostream>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "cli/task_spawn.h"

namespace troupe::cli {

namespace {

using Clock = std::chrono::steady_clock;

// "0.1 s", "10 s".
std::string Seconds(Clock::duration duration) {
  return absl::StrFormat("%g s",
                         std::chrono::duration<double>(duration).count());
}

class Supervisor {
 public:
  Supervisor(const std::vector<SupervisedTask>& tasks,
             const SupervisorOptions& options)
      : options_(options), policy_(options.restart, tasks.size()) {
    for (const SupervisedTask& task : tasks) {
      Slot slot;
      slot.task = task;
      slots_.push_back(std::move(slot));
    }
  }

  int Run();

 private:
  struct Slot {
    SupervisedTask task;
    pid_t pid = -1;
    int output = -1;
    std::string partial_line;
    Clock::time_point started;
    std::optional<Clock::time_point> restart_at;
    int64_t restart_number = 0;

    std::string name() const {
      return absl::StrCat(task.id.job, ":", task.id.index);
    }
    std::string device() const { return task.id.ToDevice(); }
  };

  bool Start(Slot& slot);
  void Forward(Slot& slot, const char* data, size_t size);
  // Reads what `slot`'s pipe holds; closes it at its end (or on `drain`,
  // once nothing more is there).
  void ReadOutput(Slot& slot, bool drain);
  void OnSignal();
  void Reap();
  void OnExit(size_t index, int wait_status);
  void StopAll();
  void KillAll();
  void RunDueRestarts();
  bool Alive() const;
  int PollTimeout() const;

  const SupervisorOptions options_;
  RestartPolicy policy_;
  std::vector<Slot> slots_;
  int signals_ = -1;
  bool stopping_ = false;
  bool killed_ = false;
  Clock::time_point kill_at_;
  int exit_status_ = 0;
};

bool Supervisor::Start(Slot& slot) {
  // The task reports its restarts in its status (`troupe ctl status`).
  absl::StatusOr<SpawnedTask> spawned = SpawnTask(
      slot.task.argv, {absl::StrCat("TROUPE_RESTARTS=", slot.restart_number)});
  if (!spawned.ok()) {
    std::cout << "[up] cannot start " << slot.device() << ": "
              << spawned.status().message() << std::endl;
    exit_status_ = 1;
    return false;
  }
  slot.pid = spawned->pid;
  slot.output = spawned->output;
  slot.started = Clock::now();
  slot.restart_at.reset();
  if (slot.restart_number == 0) {
    std::cout << "[up] started " << slot.device() << " (pid " << slot.pid
              << ") on " << slot.task.address << std::endl;
  } else {
    std::cout << "[up] restarted " << slot.device() << " (restart "
              << slot.restart_number << ", pid " << slot.pid << ") on "
              << slot.task.address << std::endl;
  }
  return true;
}

void Supervisor::Forward(Slot& slot, const char* data, size_t size) {
  slot.partial_line.append(data, size);
  size_t start = 0;
  for (size_t end;
       (end = slot.partial_line.find('\n', start)) != std::string::npos;
       start = end + 1) {
    std::cout << "[" << slot.name() << "] "
              << slot.partial_line.substr(start, end - start) << "\n";
  }
  slot.partial_line.erase(0, start);
  std::cout.flush();
}

void Supervisor::ReadOutput(Slot& slot, bool drain) {
  while (slot.output >= 0) {
    char buffer[4096];
    const ssize_t count = read(slot.output, buffer, sizeof(buffer));
    if (count > 0) {
      Forward(slot, buffer, static_cast<size_t>(count));
      continue;
    }
    if (count < 0 && errno == EINTR) continue;
    if (count < 0 && errno == EAGAIN && !drain) return;
    close(slot.output);
    slot.output = -1;
    if (!slot.partial_line.empty()) Forward(slot, "\n", 1);
  }
}

void Supervisor::OnSignal() {
  signalfd_siginfo info;
  while (read(signals_, &info, sizeof(info)) == sizeof(info)) {
    if (info.ssi_signo == SIGCHLD) continue;
    if (!stopping_) {
      std::cout << "[up] stopping every task" << std::endl;
      StopAll();
    } else if (!killed_) {
      std::cout << "[up] second signal: killing every task (SIGKILL)"
                << std::endl;
      KillAll();
    }
  }
}

void Supervisor::Reap() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (slot.pid <= 0) continue;
    int status = 0;
    pid_t done = waitpid(slot.pid, &status, WNOHANG);
    while (done < 0 && errno == EINTR)
      done = waitpid(slot.pid, &status, WNOHANG);
    if (done != slot.pid) continue;
    slot.pid = -1;
    // Its last lines come before up's word on its exit.
    ReadOutput(slot, /*drain=*/true);
    OnExit(i, status);
  }
}

void Supervisor::OnExit(size_t index, int wait_status) {
  Slot& slot = slots_[index];
  const std::string exited = absl::StrCat("[up] ", slot.device(), " exited ",
                                          DescribeExit(wait_status));
  const bool clean = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
  if (stopping_) {
    if (!clean) {
      std::cout << exited << std::endl;
      exit_status_ = 1;
    }
    return;
  }
  const Clock::time_point now = Clock::now();
  const RestartPolicy::Decision decision =
      policy_.OnExit(index, {wait_status, now - slot.started}, now);
  switch (decision.action) {
    case RestartPolicy::Action::kRestart:
      std::cout << exited << "; restart " << decision.restart_number << " in "
                << Seconds(decision.backoff) << std::endl;
      slot.restart_number = decision.restart_number;
      slot.restart_at = now + decision.backoff;
      return;
    case RestartPolicy::Action::kStayDown:
      std::cout << exited << std::endl;
      exit_status_ = 1;
      return;
    case RestartPolicy::Action::kStayDownConfigurationError:
      std::cout << exited << " (a configuration error); not restarted"
                << std::endl;
      exit_status_ = 1;
      return;
    case RestartPolicy::Action::kGiveUp:
      std::cout << exited << "; more than " << policy_.options().max_restarts
                << " restarts within " << Seconds(policy_.options().window)
                << " (--max-restarts, --restart-window): stopping every task"
                << std::endl;
      exit_status_ = 1;
      StopAll();
      return;
  }
}

void Supervisor::StopAll() {
  stopping_ = true;
  kill_at_ = Clock::now() + options_.stop_grace;
  for (Slot& slot : slots_) {
    slot.restart_at.reset();
    if (slot.pid > 0) {
      kill(slot.pid, SIGTERM);
    }
  }
}

void Supervisor::KillAll() {
  killed_ = true;
  for (Slot& slot : slots_) {
    if (slot.pid > 0) {
      kill(slot.pid, SIGKILL);
    }
  }
}

void Supervisor::RunDueRestarts() {
  if (stopping_) {
    if (!killed_ && Clock::now() >= kill_at_) {
      std::cout << "[up] tasks still running " << Seconds(options_.stop_grace)
                << " after SIGTERM: killing them (SIGKILL)" << std::endl;
      KillAll();
    }
    return;
  }
  for (Slot& slot : slots_) {
    if (slot.restart_at && Clock::now() >= *slot.restart_at && !Start(slot)) {
      slot.restart_at.reset();
    }
  }
}

bool Supervisor::Alive() const {
  return std::any_of(slots_.begin(), slots_.end(), [](const Slot& slot) {
    return slot.pid > 0 || slot.restart_at.has_value();
  });
}

int Supervisor::PollTimeout() const {
  std::optional<Clock::time_point> next;
  if (stopping_) {
    if (!killed_) next = kill_at_;
  } else {
    for (const Slot& slot : slots_) {
      if (slot.restart_at && (!next || *slot.restart_at < *next))
        next = slot.restart_at;
    }
  }
  if (!next) return -1;
  const auto left = *next - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto millis =
      std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return millis > INT_MAX ? INT_MAX : static_cast<int>(millis);
}

int Supervisor::Run() {
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGCHLD);
  // Ignored, SIGCHLD would have the kernel reap the tasks before waitpid.
  signal(SIGCHLD, SIG_DFL);
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  signals_ = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signals_ < 0) {
    std::cerr << "troupe up: signalfd: " << std::strerror(errno) << "\n";
    return 1;
  }
  bool any_started = false;
  for (Slot& slot : slots_) any_started = Start(slot) || any_started;
  if (!any_started) {
    close(signals_);
    return 1;
  }

  while (Alive()) {
    std::vector<pollfd> fds = {{signals_, POLLIN, 0}};
    for (const Slot& slot : slots_) fds.push_back({slot.output, POLLIN, 0});
    if (poll(fds.data(), fds.size(), PollTimeout()) < 0 && errno != EINTR) {
      std::cerr << "troupe up: poll: " << std::strerror(errno) << "\n";
      KillAll();
      exit_status_ = 1;
      break;
    }
    if (fds[0].revents & POLLIN) OnSignal();
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (fds[i + 1].revents != 0) ReadOutput(slots_[i], /*drain=*/false);
    }
    Reap();
    RunDueRestarts();
  }
  for (Slot& slot : slots_) {
    if (slot.output >= 0) close(slot.output);
  }
  close(signals_);
  return exit_status_;
}

}  // namespace

int Supervise(const std::vector<SupervisedTask>& tasks,
              const SupervisorOptions& options) {
  return Supervisor(tasks, options).Run();
}

}  // namespace troupe::cli
