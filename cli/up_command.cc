#include "cli/up_command.h"

#include <ifaddrs.h>
#include <netdb.h>
#include <unistd.h>

#include <climits>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

#include "base/log_level.h"
#include "base/status_macros.h"
#include "cli/command_line.h"
#include "cli/flag_values.h"
#include "cli/node_flags.h"
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

// What `troupe up` is told on its command line.
struct UpFlags {
  std::string cluster;
  std::optional<std::string> restart;
  std::optional<std::string> max_restarts;
  std::optional<std::string> restart_window;
  std::optional<std::string> restart_backoff;
  std::optional<std::string> stop_grace;
  // Passed on to each task.
  std::optional<std::string> data_dir;
  std::optional<std::string> checkpoint_dir;
  std::optional<std::string> checkpoint_every;
  std::optional<std::string> log_level;
  std::optional<std::string> shared_memory;
  std::optional<std::string> shared_memory_min_bytes;
  bool shared_memory_with_tls = false;

  // Adds the flags to `app`, read into this.
  void AddTo(CLI::App& app) {
    app.add_option("--cluster", cluster, "the cluster spec (JSON)")
        ->type_name("FILE")
        ->required();
    app.add_option("--restart", restart,
                   "restart a task that exits: no, on-failure (the default) "
                   "or always (also after exit 0)")
        ->type_name("WHEN");
    app.add_option("--max-restarts", max_restarts,
                   "more restarts than N (default 5), of all tasks, within "
                   "--restart-window is a crash loop: up stops and exits 1")
        ->type_name("N");
    app.add_option("--restart-window", restart_window,
                   "that window, such as 60s (the default) or inf")
        ->type_name("D");
    app.add_option("--restart-backoff", restart_backoff,
                   "the first wait before a restart (default 100ms), "
                   "doubled with each restart of the task up to 10s")
        ->type_name("D");
    app.add_option("--stop-grace", stop_grace,
                   "how long tasks have to stop on SIGTERM before SIGKILL "
                   "(default 10s)")
        ->type_name("D");
    const char* passed = "Passed on to each task";
    app.add_option("--data-dir", data_dir, "its data directory")
        ->type_name("DIR")
        ->group(passed);
    app.add_option("--checkpoint-dir", checkpoint_dir,
                   "checkpoint into DIR/JOB-INDEX, restored on a restart")
        ->type_name("DIR")
        ->group(passed);
    app.add_option("--checkpoint-every", checkpoint_every,
                   "the period of those checkpoints, such as 60s")
        ->type_name("D")
        ->group(passed);
    app.add_option("--log-level", log_level,
                   "drop the log lines below debug, info (the default), "
                   "warning or error")
        ->type_name("LEVEL")
        ->group(passed);
    app.add_option("--shared-memory", shared_memory,
                   "same host: take tensors as memfds over the task's Unix "
                   "socket (auto, the default) or not (off)")
        ->check(CLI::IsMember({"auto", "off"}))
        ->group(passed);
    app.add_option("--shared-memory-min-bytes", shared_memory_min_bytes,
                   "smaller tensor segments go inline (default 65536)")
        ->check(ByteCountValidator("--shared-memory-min-bytes"))
        ->type_name("BYTES")
        ->group(passed);
    app.add_flag("--shared-memory-with-tls", shared_memory_with_tls,
                 "with TLS, serve the Unix socket all the same, to "
                 "processes of the task's own user")
        ->group(passed);
  }
};

// The longest --restart-backoff and --stop-grace.
constexpr absl::Duration kLongestWait = absl::Hours(24);

// Reads --restart, --max-restarts, --restart-window, --restart-backoff and
// --stop-grace.
absl::StatusOr<SupervisorOptions> SupervisorOptionsFrom(const UpFlags& flags) {
  SupervisorOptions options;
  if (flags.restart) {
    TROUPE_ASSIGN_OR_RETURN(options.restart.mode,
                            ParseRestartMode(*flags.restart));
  }
  if (flags.max_restarts) {
    TROUPE_ASSIGN_OR_RETURN(options.restart.max_restarts,
                            ParseCount("--max-restarts", *flags.max_restarts));
  }
  if (flags.restart_window) {
    TROUPE_ASSIGN_OR_RETURN(absl::Duration window,
                            ParseTimeout(*flags.restart_window));
    options.restart.window = window == absl::InfiniteDuration()
                                 ? RestartOptions::Duration::max()
                                 : absl::ToChronoNanoseconds(window);
  }
  auto bounded = [](const char* name, const std::optional<std::string>& text,
                    std::chrono::steady_clock::duration* out) -> absl::Status {
    if (!text) return absl::OkStatus();
    TROUPE_ASSIGN_OR_RETURN(absl::Duration value, ParseTimeout(*text));
    if (value > kLongestWait) {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid --", name, " '", *text, "'; at most 24h"));
    }
    *out = absl::ToChronoNanoseconds(value);
    return absl::OkStatus();
  };
  TROUPE_RETURN_IF_ERROR(bounded("restart-backoff", flags.restart_backoff,
                                 &options.restart.initial_backoff));
  TROUPE_RETURN_IF_ERROR(
      bounded("stop-grace", flags.stop_grace, &options.stop_grace));
  return options;
}

}  // namespace

int RunUp(const std::string& self, const std::vector<std::string>& args) {
  CommandLine command_line(
      "troupe up",
      "Runs every task of the cluster spec whose host is this machine, each "
      "as its own `troupe task` process, restarting those that fail.");
  UpFlags flags;
  flags.AddTo(command_line);
  absl::StatusOr<bool> run = command_line.Read(args);
  if (!run.ok()) {
    std::cerr << "troupe up: " << run.status().message() << "\n";
    return 2;
  }
  if (!*run) return 0;  // It printed the usage asked for.
  absl::StatusOr<SupervisorOptions> options = SupervisorOptionsFrom(flags);
  if (options.ok() && flags.log_level) {
    if (absl::Status level = ParseLogLevel(*flags.log_level).status();
        !level.ok()) {
      options = level;
    }
  }
  if (!options.ok()) {
    std::cerr << "troupe up: " << options.status().message() << "\n";
    return 2;
  }
  const std::string& cluster = flags.cluster;
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
    if (flags.checkpoint_dir) {
      command.insert(command.end(), {"--checkpoint-dir",
                                     absl::StrCat(*flags.checkpoint_dir, "/",
                                                  task.job, "-", task.index)});
    }
    for (const auto& [name, value] :
         {std::pair{"--data-dir", flags.data_dir},
          std::pair{"--checkpoint-every", flags.checkpoint_every},
          std::pair{"--log-level", flags.log_level},
          std::pair{"--shared-memory", flags.shared_memory},
          std::pair{"--shared-memory-min-bytes",
                    flags.shared_memory_min_bytes}}) {
      if (value) command.insert(command.end(), {name, *value});
    }
    if (flags.shared_memory_with_tls) {
      command.push_back("--shared-memory-with-tls");
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
