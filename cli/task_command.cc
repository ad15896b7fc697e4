#include "cli/task_command.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "base/log_level.h"
#include "base/logger.h"
#include "base/status_macros.h"
#include "cli/flags.h"
#include "cli/metrics_server.h"
#include "cli/node_flags.h"
#include "cluster/task_server.h"
#include "config/cluster_spec.h"
#include "config/data_dir.h"
#include "config/memory_limit.h"
#include "net/tls_stream.h"

namespace troupe::cli {

namespace {

constexpr char kUsage[] =
    "usage: troupe task --cluster FILE --job JOB --task INDEX\n"
    "       troupe task   (the cluster and the task from TF_CONFIG)\n"
    "                   [--tls-certificate PEM --tls-key PEM --tls-ca PEM]\n"
    "                   [--memory-limit BYTES] [--data-dir DIR]\n"
    "                   [--checkpoint-dir DIR [--checkpoint-every 60s]]\n"
    "                   [--metrics-port PORT [--metrics-host HOST]]\n"
    "                   [--log-level debug|info|warning|error]\n";

struct ServedTask {
  std::optional<ClusterSpec> spec;
  TaskId task;
};

// The cluster and the task to serve: from --cluster, --job and --task, or
// without --cluster from TensorFlow's TF_CONFIG (its "task", unless --job and
// --task name another). INVALID_ARGUMENT naming the source when it is wrong
// or names no task.
absl::StatusOr<ServedTask> TaskToServe(const Flags& flags) {
  ServedTask served;
  std::string source;
  std::optional<TaskId> from_config;
  if (flags.Has("cluster")) {
    source = "cluster spec " + flags.Get("cluster");
    TROUPE_ASSIGN_OR_RETURN(served.spec,
                            ClusterSpec::LoadFile(flags.Get("cluster")));
  } else if (const char* tf_config = std::getenv("TF_CONFIG")) {
    source = "TF_CONFIG";
    TROUPE_ASSIGN_OR_RETURN(TfConfig config, ParseTfConfig(tf_config));
    served.spec = std::move(config.cluster);
    from_config = config.task;
  } else {
    return absl::InvalidArgumentError("no --cluster FILE and no TF_CONFIG");
  }
  if (flags.Has("job") != flags.Has("task")) {
    return absl::InvalidArgumentError("--job and --task go together");
  }
  if (flags.Has("job")) {
    TROUPE_ASSIGN_OR_RETURN(int32_t index,
                            ParseCount("task index", flags.Get("task")));
    served.task = TaskId{flags.Get("job"), index};
  } else if (from_config) {
    served.task = *from_config;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(source, " names no task: give --job and --task"));
  }
  if (auto address = served.spec->Address(served.task); !address.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", address.status().message()));
  }
  return served;
}

}  // namespace

int RunTask(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << kUsage;
    return 0;
  }
  std::set<std::string> with_value = NodeFlagNames();
  with_value.insert({"cluster", "job", "task", "memory-limit", "data-dir",
                     "checkpoint-dir", "checkpoint-every", "metrics-port",
                     "metrics-host", "log-level"});
  auto flags = ParseFlags(args, with_value, {});
  if (!flags.ok()) {
    std::cerr << "troupe task: " << flags.status().message() << "\n";
    return 2;
  }
  if (!flags->Has("cluster") && std::getenv("TF_CONFIG") == nullptr) {
    std::cerr << kUsage;
    return 2;
  }
  absl::StatusOr<ServedTask> served = TaskToServe(*flags);
  if (!served.ok()) {
    std::cerr << "troupe task: " << served.status().message() << "\n";
    return 2;
  }
  std::optional<ClusterSpec> spec = std::move(served->spec);
  const TaskId task = served->task;
  absl::StatusOr<NodeOptions> node = NodeOptionsFrom(*flags, &*spec);
  if (node.ok() && flags->Has("memory-limit")) {
    absl::StatusOr<uint64_t> limit =
        ParseMemoryLimit(flags->Get("memory-limit"));
    if (limit.ok()) {
      node->memory_limit_bytes = *limit;
    } else {
      node = limit.status();
    }
  }
  if (node.ok() && flags->Has("checkpoint-dir")) {
    node->checkpoint_dir = flags->Get("checkpoint-dir");
    absl::StatusOr<absl::Duration> every =
        ParseTimeout(flags->Get("checkpoint-every", "0s"));
    if (every.ok() && *every != absl::InfiniteDuration()) {
      node->checkpoint_every = absl::ToChronoMilliseconds(*every);
    } else {
      node = absl::InvalidArgumentError(
          absl::StrCat("Invalid --checkpoint-every '",
                       flags->Get("checkpoint-every"), "'; e.g. 60s"));
    }
  } else if (node.ok() && flags->Has("checkpoint-every")) {
    node =
        absl::InvalidArgumentError("--checkpoint-every needs --checkpoint-dir");
  }
  if (node.ok() && flags->Has("data-dir")) {
    node->data_dir = flags->Get("data-dir");
    if (absl::Status usable = DataDir::Open(node->data_dir).status();
        !usable.ok()) {
      node = usable;
    }
  }
  // `troupe up` says how often it restarted this task, for its status.
  if (const char* restarts = std::getenv("TROUPE_RESTARTS");
      node.ok() && restarts != nullptr) {
    absl::StatusOr<int32_t> count = ParseCount("TROUPE_RESTARTS", restarts);
    if (count.ok()) {
      node->restarts = *count;
    } else {
      node = count.status();
    }
  }
  absl::StatusOr<LogLevel> log_level =
      ParseLogLevel(flags->Get("log-level", "info"));
  if (node.ok() && !log_level.ok()) node = log_level.status();
  std::optional<TaskAddress> metrics_listen;
  if (node.ok() && flags->Has("metrics-port")) {
    absl::StatusOr<int32_t> port =
        ParseCount("metrics-port", flags->Get("metrics-port"));
    if (port.ok() && *port <= 65535) {
      metrics_listen = TaskAddress{flags->Get("metrics-host", "127.0.0.1"),
                                   static_cast<uint16_t>(*port)};
    } else {
      node = absl::InvalidArgumentError(absl::StrCat(
          "Invalid --metrics-port '", flags->Get("metrics-port"), "'"));
    }
  } else if (node.ok() && flags->Has("metrics-host")) {
    node = absl::InvalidArgumentError("--metrics-host needs --metrics-port");
  }
  if (!node.ok()) {
    std::cerr << "troupe task: " << node.status().message() << "\n";
    return 2;
  }
  const NodeOptions& options = *node;
  if (options.tls) {
    if (absl::Status usable = MakeTlsContext(*options.tls).status();
        !usable.ok()) {
      std::cerr << "troupe task: " << usable.message() << "\n";
      return 2;
    }
  }

  // Every thread the actor system starts inherits this mask, so the signals
  // reach only the sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Every line goes through one logger: a reader that does not keep up costs
  // lines, never serving or stopping (README, "Logging").
  const std::string prefix = "troupe task " + task.ToDevice();
  LoggerOptions log_options;
  log_options.notice_prefix = prefix + ": ";
  log_options.min_level = *log_level;
  Logger logger(log_options);
  // What CAF prints on its own is about messages nobody handled: warnings.
  auto server = TaskServer::Start(
      *spec, task, options,
      [&logger, prefix](LogLevel level, const std::string& line) {
        logger.Log(level, "connections", prefix + ": " + line);
      },
      [&logger, prefix](const std::string& line) {
        logger.Log(LogLevel::kWarning, "caf", prefix + ": " + line);
      });
  if (!server.ok()) {
    std::cerr << "troupe task: " << server.status().message() << "\n";
    // A damaged file stays damaged: `troupe up` does not retry status 2.
    return absl::IsDataLoss(server.status()) ? 2 : 1;
  }
  logger.Log(
      LogLevel::kInfo, "task",
      absl::StrCat(prefix, " serving on ", spec->Address(task)->ToString(),
                   options.tls ? " (mutual TLS)" : ""));
  // GET /metrics for Prometheus, on loopback unless told otherwise.
  std::unique_ptr<MetricsServer> metrics;
  if (metrics_listen) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> started =
        MetricsServer::Start(*metrics_listen, spec->Address(task)->ToString(),
                             task.ToDevice(), options);
    if (!started.ok()) {
      std::cerr << "troupe task: " << started.status().message() << "\n";
      server->reset();
      return 1;
    }
    metrics = *std::move(started);
    logger.Log(
        LogLevel::kInfo, "task",
        absl::StrCat(
            prefix, " metrics on http://",
            TaskAddress{metrics_listen->host, metrics->port()}.ToString(),
            "/metrics"));
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  logger.Log(LogLevel::kInfo, "task",
             absl::StrCat(prefix, " stopping (signal ", signal_number, ")"));
  metrics.reset();
  server->reset();
  return 0;
}

}  // namespace troupe::cli
