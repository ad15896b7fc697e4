#include "cli/up_command.h"

#include <ifaddrs.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <iostream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"

#include "cli/flags.h"
#include "config/cluster_spec.h"

extern char** environ;

namespace troupe::cli {

namespace {

// The addresses this machine answers on, as numeric strings.
std::set<std::string> LocalAddresses() {
  std::set<std::string> addresses = {"localhost", "127.0.0.1", "::1", "0.0.0.0",
                                     "::"};
  char hostname[HOST_NAME_MAX + 1] = {};
  if (gethostname(hostname, sizeof(hostname) - 1) == 0)
    addresses.insert(hostname);
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return addresses;
  for (ifaddrs* it = interfaces; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    int family = it->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    char host[NI_MAXHOST];
    socklen_t length =
        family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if (getnameinfo(it->ifa_addr, length, host, sizeof(host), nullptr, 0,
                    NI_NUMERICHOST) == 0) {
      addresses.insert(host);
    }
  }
  freeifaddrs(interfaces);
  return addresses;
}

bool IsLocal(const std::string& host, const std::set<std::string>& local) {
  return local.count(host) > 0 || host.rfind("127.", 0) == 0;
}

struct Child {
  std::string name;
  pid_t pid = -1;
  int output =
      -1;  // Read end of the pipe carrying the child's stdout and stderr.
  std::string partial_line;
};

std::string SelfPath(const std::string& fallback) {
  char path[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0) return fallback;
  return std::string(path, static_cast<size_t>(length));
}

bool SpawnTask(const std::string& binary, const std::string& cluster,
               const TaskId& task, const sigset_t& default_mask, Child* child) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setsigmask(&attributes, &default_mask);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  std::string index = std::to_string(task.index);
  std::vector<std::string> argv_strings = {
      binary, "task", "--cluster", cluster, "--job", task.job, "--task", index};
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int failed = posix_spawn(&child->pid, binary.c_str(), &actions, &attributes,
                           argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (failed != 0) {
    close(pipe_fds[0]);
    return false;
  }
  child->output = pipe_fds[0];
  return true;
}

// Prints the complete lines `child` wrote, each prefixed with its name.
void Forward(Child& child, const char* data, size_t size) {
  child.partial_line.append(data, size);
  size_t start = 0;
  for (size_t end;
       (end = child.partial_line.find('\n', start)) != std::string::npos;
       start = end + 1) {
    std::cout << "[" << child.name << "] "
              << child.partial_line.substr(start, end - start) << "\n";
  }
  child.partial_line.erase(0, start);
  std::cout.flush();
}

}  // namespace

int RunUp(const std::string& self, const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"cluster"}, {});
  if (!flags.ok() || !flags->Has("cluster")) {
    std::cerr << "usage: troupe up --cluster FILE\n";
    return 2;
  }
  std::string cluster = flags->Get("cluster");
  auto spec = ClusterSpec::LoadFile(cluster);
  if (!spec.ok()) {
    std::cerr << "troupe up: " << spec.status().message() << "\n";
    return 2;
  }

  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGCHLD);
  sigset_t default_mask;
  pthread_sigmask(SIG_BLOCK, &handled, &default_mask);
  int signals = signalfd(-1, &handled, SFD_CLOEXEC);

  std::set<std::string> local = LocalAddresses();
  std::string binary = SelfPath(self);
  std::vector<Child> children;
  for (const TaskId& task : spec->Tasks()) {
    auto address = spec->Address(task);
    if (!address.ok() || !IsLocal(address->host, local)) continue;
    Child child;
    child.name = absl::StrCat(task.job, ":", task.index);
    if (!SpawnTask(binary, cluster, task, default_mask, &child)) {
      std::cerr << "troupe up: cannot start " << task.ToDevice() << "\n";
      continue;
    }
    std::cout << "[up] started " << task.ToDevice() << " (pid " << child.pid
              << ") on " << address->ToString() << std::endl;
    children.push_back(std::move(child));
  }
  if (children.empty()) {
    std::cerr << "troupe up: no task of " << cluster << " is on this machine\n";
    return 1;
  }

  bool stopping = false;
  int exit_status = 0;
  size_t running = children.size();
  while (running > 0) {
    std::vector<pollfd> fds = {{signals, POLLIN, 0}};
    for (const Child& child : children)
      fds.push_back({child.output, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      if (read(signals, &info, sizeof(info)) == sizeof(info) &&
          info.ssi_signo != SIGCHLD && !stopping) {
        stopping = true;
        std::cout << "[up] stopping every task" << std::endl;
        for (const Child& child : children) {
          if (child.pid > 0) kill(child.pid, SIGTERM);
        }
      }
    }
    for (size_t i = 0; i < children.size(); ++i) {
      Child& child = children[i];
      if (child.output >= 0 && (fds[i + 1].revents & (POLLIN | POLLHUP))) {
        char buffer[4096];
        ssize_t count = read(child.output, buffer, sizeof(buffer));
        if (count > 0) {
          Forward(child, buffer, static_cast<size_t>(count));
        } else {
          close(child.output);
          child.output = -1;
        }
      }
      int status = 0;
      if (child.pid > 0 && child.output < 0 &&
          waitpid(child.pid, &status, 0) == child.pid) {
        child.pid = -1;
        --running;
        bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!clean || !stopping) {
          std::cout << "[up] " << child.name << " exited "
                    << (WIFEXITED(status)
                            ? absl::StrCat("with status ", WEXITSTATUS(status))
                            : absl::StrCat("on signal ", WTERMSIG(status)))
                    << std::endl;
          exit_status = 1;
        }
      }
    }
  }
  return exit_status;
}

}  // namespace troupe::cli
