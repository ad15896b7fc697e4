#include "cli/up_command.h"

#include <ifaddrs.h>
#include <netdb.h>
#include <unistd.h>

#include <climits>
#include <iostream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"

#include "base/log_level.h"
#include "base/status_macros.h"
#include "cli/flags.h"
#include "cli/restart_policy.h"
#include "cli/supervisor.h"
#include "config/cluster_spec.h"

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

std::string SelfPath(const std::string& fallback) {
  char path[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0) return fallback;
  return std::string(path, static_cast<size_t>(length));
}

constexpr char kUsage[] =
    "usage: troupe up --cluster FILE [--restart no|on-failure|always]\n"
    "                 [--max-restarts N] [--restart-window D]\n"
    "                 [--restart-backoff D] [--stop-grace D]\n"
    "                 [--data-dir DIR] [--checkpoint-dir DIR "
    "[--checkpoint-every D]]\n"
    "                 [--log-level debug|info|warning|error]\n";

// The longest --restart-backoff and --stop-grace.
constexpr absl::Duration kLongestWait = absl::Hours(24);

// Reads --restart, --max-restarts, --restart-window, --restart-backoff and
// --stop-grace.
absl::StatusOr<SupervisorOptions> SupervisorOptionsFrom(const Flags& flags) {
  SupervisorOptions options;
  if (flags.Has("restart")) {
    TROUPE_ASSIGN_OR_RETURN(options.restart.mode,
                            ParseRestartMode(flags.Get("restart")));
  }
  if (flags.Has("max-restarts")) {
    TROUPE_ASSIGN_OR_RETURN(
        options.restart.max_restarts,
        ParseCount("--max-restarts", flags.Get("max-restarts")));
  }
  if (flags.Has("restart-window")) {
    TROUPE_ASSIGN_OR_RETURN(absl::Duration window,
                            ParseTimeout(flags.Get("restart-window")));
    options.restart.window = window == absl::InfiniteDuration()
                                 ? RestartOptions::Duration::max()
                                 : absl::ToChronoNanoseconds(window);
  }
  auto bounded = [&](const std::string& name,
                     std::chrono::steady_clock::duration* out) -> absl::Status {
    if (!flags.Has(name)) return absl::OkStatus();
    TROUPE_ASSIGN_OR_RETURN(absl::Duration value,
                            ParseTimeout(flags.Get(name)));
    if (value > kLongestWait) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Invalid --", name, " '", flags.Get(name), "'; at most 24h"));
    }
    *out = absl::ToChronoNanoseconds(value);
    return absl::OkStatus();
  };
  TROUPE_RETURN_IF_ERROR(
      bounded("restart-backoff", &options.restart.initial_backoff));
  TROUPE_RETURN_IF_ERROR(bounded("stop-grace", &options.stop_grace));
  return options;
}

}  // namespace

int RunUp(const std::string& self, const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << kUsage;
    return 0;
  }
  auto flags =
      ParseFlags(args,
                 {"cluster", "restart", "max-restarts", "restart-window",
                  "restart-backoff", "stop-grace", "data-dir", "checkpoint-dir",
                  "checkpoint-every", "log-level"},
                 {});
  if (!flags.ok() || !flags->Has("cluster")) {
    if (!flags.ok())
      std::cerr << "troupe up: " << flags.status().message() << "\n";
    std::cerr << kUsage;
    return 2;
  }
  absl::StatusOr<SupervisorOptions> options = SupervisorOptionsFrom(*flags);
  if (options.ok() && flags->Has("log-level")) {
    if (absl::Status level = ParseLogLevel(flags->Get("log-level")).status();
        !level.ok()) {
      options = level;
    }
  }
  if (!options.ok()) {
    std::cerr << "troupe up: " << options.status().message() << "\n";
    return 2;
  }
  std::string cluster = flags->Get("cluster");
  auto spec = ClusterSpec::LoadFile(cluster);
  if (!spec.ok()) {
    std::cerr << "troupe up: " << spec.status().message() << "\n";
    return 2;
  }

  std::set<std::string> local = LocalAddresses();
  std::string binary = SelfPath(self);
  std::vector<SupervisedTask> tasks;
  for (const TaskId& task : spec->Tasks()) {
    auto address = spec->Address(task);
    if (!address.ok() || !IsLocal(address->host, local)) continue;
    std::vector<std::string> command = {
        binary,  "task",   "--cluster", cluster,
        "--job", task.job, "--task",    std::to_string(task.index)};
    // Each task checkpoints into a directory of its own, and a restarted
    // task restores from it before it serves.
    if (flags->Has("checkpoint-dir")) {
      command.insert(
          command.end(),
          {"--checkpoint-dir", absl::StrCat(flags->Get("checkpoint-dir"), "/",
                                            task.job, "-", task.index)});
    }
    for (const char* passed : {"data-dir", "checkpoint-every", "log-level"}) {
      if (flags->Has(passed)) {
        command.insert(command.end(),
                       {absl::StrCat("--", passed), flags->Get(passed)});
      }
    }
    tasks.push_back({task, address->ToString(), std::move(command)});
  }
  if (tasks.empty()) {
    std::cerr << "troupe up: no task of " << cluster << " is on this machine\n";
    return 1;
  }
  return Supervise(tasks, *options);
}

}  // namespace troupe::cli
