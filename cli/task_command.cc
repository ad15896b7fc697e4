#include "cli/task_command.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "base/log_level.h"
#include "base/logger.h"
#include "base/status_macros.h"
#include "cli/command_line.h"
#include "cli/flag_values.h"
#include "cli/metrics_server.h"
#include "cli/node_flags.h"
#include "cluster/task_server.h"
#include "config/cluster_spec.h"
#include "config/data_dir.h"
#include "config/memory_limit.h"
#include "net/tls_stream.h"

namespace troupe::cli {

namespace {

// What `troupe task` is told on its command line.
struct TaskFlags {
  std::optional<std::string> cluster;
  std::optional<std::string> job;
  std::optional<std::string> task;
  NodeFlags node;
  std::optional<std::string> memory_limit;
  std::optional<std::string> data_dir;
  std::optional<std::string> checkpoint_dir;
  std::optional<std::string> checkpoint_every;
  std::optional<std::string> metrics_port;
  std::optional<std::string> metrics_host;
  std::string log_level = "info";

  // Adds the flags to `app`, read into this.
  void AddTo(CLI::App& app) {
    app.add_option("--cluster", cluster,
                   "the cluster spec (JSON); without it, TF_CONFIG's")
        ->type_name("FILE");
    app.add_option("--job", job,
                   "the job of the task to serve (with --task; without "
                   "them, TF_CONFIG's task)")
        ->type_name("JOB");
    app.add_option("--task", task, "the task's index in its job")
        ->type_name("INDEX");
    app.add_option("--memory-limit", memory_limit,
                   "what a padded batch or the frames being received may "
                   "take, such as 4GiB (default: a quarter of the memory)")
        ->type_name("BYTES");
    app.add_option("--data-dir", data_dir,
                   "the directory of the paths readers and checkpoints "
                   "use (default: the working directory)")
        ->type_name("DIR");
    app.add_option("--checkpoint-dir", checkpoint_dir,
                   "restore the newest checkpoint of DIR before serving, "
                   "save there every --checkpoint-every and when stopping")
        ->type_name("DIR");
    app.add_option("--checkpoint-every", checkpoint_every,
                   "the period of those saves, such as 60s (default: "
                   "only when stopping)")
        ->type_name("D");
    app.add_option("--metrics-port", metrics_port,
                   "serve GET /metrics for Prometheus on PORT (0: any free "
                   "one)")
        ->type_name("PORT");
    app.add_option("--metrics-host", metrics_host,
                   "the address it listens on (default: 127.0.0.1)")
        ->type_name("HOST");
    app.add_option("--log-level", log_level,
                   "drop the log lines below debug, info, warning or error")
        ->type_name("LEVEL")
        ->capture_default_str();
    node.AddTo(app);
  }
};

struct ServedTask {
  std::optional<ClusterSpec> spec;
  TaskId task;
};

// The cluster and the task to serve: from --cluster, --job and --task, or
// without --cluster from TensorFlow's TF_CONFIG (its "task", unless --job and
// --task name another). INVALID_ARGUMENT naming the source when it is wrong
// or names no task.
absl::StatusOr<ServedTask> TaskToServe(const TaskFlags& flags) {
  ServedTask served;
  std::string source;
  std::optional<TaskId> from_config;
  if (flags.cluster) {
    source = "cluster spec " + *flags.cluster;
    TROUPE_ASSIGN_OR_RETURN(served.spec, ClusterSpec::LoadFile(*flags.cluster));
  } else if (const char* tf_config = std::getenv("TF_CONFIG")) {
    source = "TF_CONFIG";
    TROUPE_ASSIGN_OR_RETURN(TfConfig config, ParseTfConfig(tf_config));
    served.spec = std::move(config.cluster);
    from_config = config.task;
  } else {
    return absl::InvalidArgumentError("no --cluster FILE and no TF_CONFIG");
  }
  if (flags.job.has_value() != flags.task.has_value()) {
    return absl::InvalidArgumentError("--job and --task go together");
  }
  if (flags.job) {
    TROUPE_ASSIGN_OR_RETURN(int32_t index,
                            ParseCount("task index", *flags.task));
    served.task = TaskId{*flags.job, index};
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
  CommandLine command_line(
      "troupe task",
      "Serves one task of a cluster until SIGINT or SIGTERM: the task --job "
      "and --task name in the --cluster spec, or without them TensorFlow's "
      "TF_CONFIG's.");
  TaskFlags flags;
  flags.AddTo(command_line);
  absl::StatusOr<bool> run = command_line.Read(args);
  if (!run.ok()) {
    std::cerr << "troupe task: " << run.status().message() << "\n";
    return 2;
  }
  if (!*run) return 0;  // It printed the usage asked for.
  absl::StatusOr<ServedTask> served = TaskToServe(flags);
  if (!served.ok()) {
    std::cerr << "troupe task: " << served.status().message() << "\n";
    return 2;
  }
  std::optional<ClusterSpec> spec = std::move(served->spec);
  const TaskId task = served->task;
  absl::StatusOr<NodeOptions> node = NodeOptionsFrom(flags.node, &*spec);
  if (node.ok() && flags.memory_limit) {
    absl::StatusOr<uint64_t> limit = ParseMemoryLimit(*flags.memory_limit);
    if (limit.ok()) {
      node->memory_limit_bytes = *limit;
    } else {
      node = limit.status();
    }
  }
  if (node.ok() && flags.checkpoint_dir) {
    node->checkpoint_dir = *flags.checkpoint_dir;
    absl::StatusOr<absl::Duration> every =
        ParseTimeout(flags.checkpoint_every.value_or("0s"));
    if (every.ok() && *every != absl::InfiniteDuration()) {
      node->checkpoint_every = absl::ToChronoMilliseconds(*every);
    } else {
      node = absl::InvalidArgumentError(
          absl::StrCat("Invalid --checkpoint-every '",
                       flags.checkpoint_every.value_or(""), "'; e.g. 60s"));
    }
  } else if (node.ok() && flags.checkpoint_every) {
    node =
        absl::InvalidArgumentError("--checkpoint-every needs --checkpoint-dir");
  }
  if (node.ok() && flags.data_dir) {
    node->data_dir = *flags.data_dir;
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
  absl::StatusOr<LogLevel> log_level = ParseLogLevel(flags.log_level);
  if (node.ok() && !log_level.ok()) node = log_level.status();
  std::optional<TaskAddress> metrics_listen;
  if (node.ok() && flags.metrics_port) {
    absl::StatusOr<int32_t> port =
        ParseCount("metrics-port", *flags.metrics_port);
    if (port.ok() && *port <= 65535) {
      metrics_listen = TaskAddress{flags.metrics_host.value_or("127.0.0.1"),
                                   static_cast<uint16_t>(*port)};
    } else {
      node = absl::InvalidArgumentError(
          absl::StrCat("Invalid --metrics-port '", *flags.metrics_port, "'"));
    }
  } else if (node.ok() && flags.metrics_host) {
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
