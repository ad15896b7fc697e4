#include "cluster/task_server.h"

#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/scoped_actor.hpp"

#include "actors/task_actor.h"
#include "base/status_macros.h"
#include "cluster/auto_checkpoint.h"
#include "cluster/caf_output.h"
#include "net/tls_stream.h"
#include "net/wire_server.h"
#include "serialization/status_error.h"
#include "state/checkpoint_store.h"
#include "state/queue_logs.h"

namespace troupe {

struct TaskServer::Impl {
  explicit Impl(const NodeOptions& options)
      : system((ConfigureNode(config, options), config)) {}

  caf::actor_system_config config;
  caf::actor_system system;
  std::unique_ptr<WireServer> wire;
  caf::actor caf_output;  // RouteCafOutput's relay, if any
  CheckpointStoreActor checkpoints;
  QueueLogWriterActor queue_logs;
  TaskActor task;
  // With --checkpoint-dir: what to save when the task stops, the periodic
  // saver, and where to tell of it.
  std::optional<AutoCheckpointOptions> auto_checkpoint;
  caf::actor checkpointer;
  LogSink log;

  // Stops every actor this server spawned, the periodic saver first and the
  // task (with its resources) before the store and log writer it writes
  // through, and waits for each.
  void Stop(const caf::error& reason) {
    caf::scoped_actor self{system};
    auto stop = [&](const auto& actor) {
      if (!actor) return;
      self->send_exit(actor, reason);
      self->wait_for(actor);
    };
    stop(checkpointer);
    stop(task);
    stop(checkpoints);
    stop(queue_logs);
    stop(caf_output);
  }
};

namespace {

// The incarnation `task` tells in its status.
uint64_t IncarnationOf(caf::actor_system& system, const TaskActor& task) {
  caf::scoped_actor self{system};
  uint64_t incarnation = 0;
  self->request(task, caf::infinite, status_atom::value)
      .receive(
          [&](const TaskStatus& status) { incarnation = status.incarnation; },
          [](const caf::error&) {});
  return incarnation;
}

// Has `task` restore `queues`; blocks until it has.
absl::Status RestoreQueues(caf::actor_system& system, const TaskActor& task,
                           TaskSnapshot queues) {
  caf::scoped_actor self{system};
  absl::Status status;
  self->request(task, caf::infinite, restore_atom::value, std::move(queues))
      .receive(
          [](int64_t) {},
          [&status](const caf::error& error) { status = ToStatus(error); });
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TaskServer>> TaskServer::Start(
    const ClusterSpec& spec, const TaskId& task, const NodeOptions& options,
    LogSink log, std::function<void(const std::string&)> caf_output) {
  auto address = spec.Address(task);
  if (!address.ok()) return address.status();
  WireServerOptions wire;
  if (options.tls) {
    TROUPE_ASSIGN_OR_RETURN(wire.tls, MakeTlsContext(*options.tls));
  }
  TROUPE_ASSIGN_OR_RETURN(DataDir data_dir, DataDir::Open(options.data_dir));
  // Read before any actor exists, so that a damaged log leaves none behind.
  absl::StatusOr<TaskSnapshot> durable_queues =
      ReadQueueLogs(data_dir, task.ToDevice(), options.memory_limit_bytes, log);
  if (!durable_queues.ok()) {
    return absl::Status(
        durable_queues.status().code(),
        absl::StrCat(task.ToDevice(), ": cannot read its durable queues: ",
                     durable_queues.status().message()));
  }
  auto impl = std::make_unique<Impl>(options);
  if (caf_output) {
    impl->caf_output = RouteCafOutput(impl->system, std::move(caf_output));
  }
  TaskActorOptions task_options;
  task_options.device = task.ToDevice();
  task_options.memory_limit_bytes = options.memory_limit_bytes;
  task_options.data_dir = data_dir;
  impl->queue_logs =
      SpawnQueueLogWriter(impl->system, data_dir, task.ToDevice());
  task_options.queue_logs = impl->queue_logs;
  impl->checkpoints =
      SpawnCheckpointStore(impl->system, std::move(data_dir), task.ToDevice(),
                           options.memory_limit_bytes);
  task_options.checkpoints = impl->checkpoints;
  task_options.restarts = options.restarts;
  for (const TaskId& other : spec.Tasks()) {
    task_options.cluster_devices.insert(other.ToDevice());
    task_options.addresses[other.ToDevice()] = spec.Address(other)->ToString();
  }
  impl->task = SpawnTaskActor(impl->system, std::move(task_options));
  impl->log = log;
  // The durable queues come back before a checkpoint, which leaves them be,
  // and before the task accepts a connection.
  if (!durable_queues->queues.empty()) {
    const size_t count = durable_queues->queues.size();
    absl::Status restored =
        RestoreQueues(impl->system, impl->task, *std::move(durable_queues));
    if (!restored.ok()) {
      impl->Stop(caf::exit_reason::user_shutdown);
      return absl::Status(
          restored.code(),
          absl::StrCat(task.ToDevice(), ": cannot restore its durable queues: ",
                       restored.message()));
    }
    if (log) {
      log(LogLevel::kInfo,
          count == 1 ? std::string("restored 1 durable queue from its log")
                     : absl::StrCat("restored ", count,
                                    " durable queues from their logs"));
    }
  }
  if (!options.checkpoint_dir.empty()) {
    AutoCheckpointOptions automatic;
    automatic.dir = options.checkpoint_dir;
    automatic.every = absl::FromChrono(options.checkpoint_every);
    automatic.device = task.ToDevice();
    // The state comes back before the task accepts a connection.
    absl::StatusOr<CheckpointInfo> restored =
        RestoreLatest(impl->system, impl->task, automatic);
    if (!restored.ok()) {
      impl->Stop(caf::exit_reason::user_shutdown);
      return absl::Status(
          restored.status().code(),
          absl::StrCat(task.ToDevice(),
                       ": cannot restore the latest "
                       "checkpoint of ",
                       automatic.dir, ": ", restored.status().message()));
    }
    if (log && !restored->prefix.empty()) {
      log(LogLevel::kInfo,
          absl::StrCat("restored checkpoint ", restored->prefix, " (",
                       restored->tensors, " tensors)"));
    }
    if (automatic.every > absl::ZeroDuration()) {
      impl->checkpointer =
          SpawnAutoCheckpointer(impl->system, impl->task, automatic, log);
    }
    impl->auto_checkpoint = automatic;
  }
  wire.incarnation = IncarnationOf(impl->system, impl->task);
  wire.heartbeat_interval = absl::FromChrono(options.heartbeat_interval);
  wire.stall_timeout = absl::FromChrono(options.connection_timeout);
  wire.receive_budget_bytes = options.memory_limit_bytes;
  wire.shared_memory = options.shared_memory != SharedMemoryUse::kOff;
  wire.shared_memory_min_bytes = options.shared_memory_min_bytes;
  wire.shared_memory_with_tls = options.shared_memory_with_tls;
  wire.log = std::move(log);
  absl::StatusOr<std::unique_ptr<WireServer>> server =
      WireServer::Start(impl->system, impl->task, *address, std::move(wire));
  if (!server.ok()) {
    impl->Stop(caf::exit_reason::user_shutdown);
    return absl::Status(
        server.status().code(),
        absl::StrCat(task.ToDevice(), ": ", server.status().message()));
  }
  impl->wire = *std::move(server);
  return std::unique_ptr<TaskServer>(new TaskServer(std::move(impl)));
}

TaskServer::TaskServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TaskServer::~TaskServer() {
  if (impl_->auto_checkpoint) {
    if (impl_->checkpointer) {
      caf::scoped_actor self{impl_->system};
      self->send_exit(impl_->checkpointer, caf::exit_reason::user_shutdown);
      self->wait_for(impl_->checkpointer);
      impl_->checkpointer = caf::actor{};
    }
    absl::StatusOr<CheckpointInfo> saved =
        SaveNow(impl_->system, impl_->task, *impl_->auto_checkpoint);
    if (impl_->log) {
      impl_->log(saved.ok() ? LogLevel::kInfo : LogLevel::kError,
                 saved.ok() ? absl::StrCat("saved checkpoint ", saved->prefix,
                                           " (", saved->tensors, " tensors)")
                            : absl::StrCat("checkpoint at stop failed: ",
                                           saved.status().ToString()));
    }
  }
  impl_->Stop(ToError(absl::CancelledError("task is shutting down")));
  impl_->wire.reset();
}

uint16_t TaskServer::port() const { return impl_->wire->port(); }

}  // namespace troupe
