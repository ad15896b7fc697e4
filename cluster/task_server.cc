#include "cluster/task_server.h"

#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"
#include "caf/scoped_actor.hpp"

#include "actors/task_actor.h"
#include "base/status_macros.h"
#include "cluster/auto_checkpoint.h"
#include "cluster/caf_output.h"
#include "cluster/port_guard.h"
#include "cluster/transport.h"
#include "net/tls_stream.h"
#include "net/wire_server.h"
#include "serialization/status_error.h"
#include "state/checkpoint_store.h"

namespace troupe {

// The wire server as the guard's thread reaches it, or none once it stopped.
struct WireHandoff {
  std::mutex mutex;
  WireServer* server = nullptr;

  void Adopt(Fd socket, std::string received) {
    std::lock_guard<std::mutex> lock(mutex);
    if (server != nullptr)
      server->Adopt(std::move(socket), std::move(received));
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mutex);
    server = nullptr;
  }
};

struct TaskServer::Impl {
  explicit Impl(const NodeOptions& options)
      : system((ConfigureNode(config, options), config)) {}

  // Declared first, so destroyed last: it relays the replies the task sends
  // while it shuts down.
  std::unique_ptr<PortGuard> guard;
  caf::actor_system_config config;
  caf::actor_system system;
  // Where the guard hands the connections that speak Troupe's wire; emptied
  // before `wire` goes.
  std::shared_ptr<WireHandoff> handoff = std::make_shared<WireHandoff>();
  std::unique_ptr<WireServer> wire;
  caf::actor caf_output;  // RouteCafOutput's relay, if any
  CheckpointStoreActor checkpoints;
  TaskActor task;
  // With --checkpoint-dir: what to save when the task stops, the periodic
  // saver, and where to tell of it.
  std::optional<AutoCheckpointOptions> auto_checkpoint;
  caf::actor checkpointer;
  std::function<void(const std::string&)> log;

  // Stops every actor this server spawned, the periodic saver first and the
  // task (with its resources) before the store it writes through, and waits
  // for each.
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
    stop(caf_output);
  }
};

namespace {

// Publishes `task` on an ephemeral loopback port and starts the guard that
// relays `address` to it.
// Connections that speak Troupe's wire go to `handoff`, the rest to CAF.
absl::StatusOr<std::unique_ptr<PortGuard>> StartGuard(
    caf::actor_system& system, const TaskActor& task,
    const TaskAddress& address, const NodeOptions& options,
    std::function<void(const std::string&)> log,
    std::shared_ptr<WireHandoff> handoff) {
  TROUPE_ASSIGN_OR_RETURN(uint16_t port,
                          PublishTask(system, task, {"127.0.0.1", 0}));
  PortGuardOptions guard;
  guard.listen = address;
  guard.upstream = {"127.0.0.1", port};
  guard.inspect_frames = !options.tls.has_value();
  guard.log = std::move(log);
  guard.wire = [handoff](Fd socket, std::string received) {
    handoff->Adopt(std::move(socket), std::move(received));
  };
  return PortGuard::Start(std::move(guard));
}

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

}  // namespace

absl::StatusOr<std::unique_ptr<TaskServer>> TaskServer::Start(
    const ClusterSpec& spec, const TaskId& task, const NodeOptions& options,
    std::function<void(const std::string&)> log,
    std::function<void(const std::string&)> caf_output) {
  auto address = spec.Address(task);
  if (!address.ok()) return address.status();
  if (options.tls) TROUPE_RETURN_IF_ERROR(CheckTlsFiles(*options.tls));
  TROUPE_ASSIGN_OR_RETURN(DataDir data_dir, DataDir::Open(options.data_dir));
  auto impl = std::make_unique<Impl>(options);
  if (caf_output) {
    impl->caf_output = RouteCafOutput(impl->system, std::move(caf_output));
  }
  TaskActorOptions task_options;
  task_options.device = task.ToDevice();
  task_options.memory_limit_bytes = options.memory_limit_bytes;
  task_options.data_dir = data_dir;
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
      log(absl::StrCat("restored checkpoint ", restored->prefix, " (",
                       restored->tensors, " tensors)"));
    }
    if (automatic.every > absl::ZeroDuration()) {
      impl->checkpointer =
          SpawnAutoCheckpointer(impl->system, impl->task, automatic, log);
    }
    impl->auto_checkpoint = automatic;
  }
  WireServerOptions wire;
  if (options.tls) {
    TROUPE_ASSIGN_OR_RETURN(wire.tls, MakeTlsContext(*options.tls));
  }
  wire.incarnation = IncarnationOf(impl->system, impl->task);
  wire.heartbeat_interval = absl::FromChrono(options.heartbeat_interval);
  wire.stall_timeout = absl::FromChrono(options.connection_timeout);
  wire.receive_budget_bytes = options.memory_limit_bytes;
  wire.log = log;
  impl->wire = std::make_unique<WireServer>(impl->system, impl->task, wire);
  impl->handoff->server = impl->wire.get();
  // CAF serves on loopback only; the guard serves the spec's address.
  absl::StatusOr<std::unique_ptr<PortGuard>> guard =
      StartGuard(impl->system, impl->task, *address, options, std::move(log),
                 impl->handoff);
  if (!guard.ok()) {
    impl->Stop(caf::exit_reason::user_shutdown);
    return absl::Status(
        guard.status().code(),
        absl::StrCat(task.ToDevice(), ": ", guard.status().message()));
  }
  impl->guard = *std::move(guard);
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
      impl_->log(saved.ok() ? absl::StrCat("saved checkpoint ", saved->prefix,
                                           " (", saved->tensors, " tensors)")
                            : absl::StrCat("checkpoint at stop failed: ",
                                           saved.status().ToString()));
    }
  }
  impl_->Stop(ToError(absl::CancelledError("task is shutting down")));
  impl_->handoff->Stop();
  impl_->wire.reset();
}

uint16_t TaskServer::port() const { return impl_->guard->port(); }

}  // namespace troupe
