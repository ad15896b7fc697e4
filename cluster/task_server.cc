#include "cluster/task_server.h"

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"
#include "caf/scoped_actor.hpp"

#include "actors/task_actor.h"
#include "base/status_macros.h"
#include "cluster/caf_output.h"
#include "cluster/port_guard.h"
#include "cluster/transport.h"
#include "serialization/status_error.h"
#include "state/checkpoint_store.h"

namespace troupe {

struct TaskServer::Impl {
  explicit Impl(const NodeOptions& options)
      : system((ConfigureNode(config, options), config)) {}

  // Declared first, so destroyed last: it relays the replies the task sends
  // while it shuts down.
  std::unique_ptr<PortGuard> guard;
  caf::actor_system_config config;
  caf::actor_system system;
  caf::actor caf_output;  // RouteCafOutput's relay, if any
  CheckpointStoreActor checkpoints;
  TaskActor task;
};

namespace {

// Publishes `task` on an ephemeral loopback port and starts the guard that
// relays `address` to it.
absl::StatusOr<std::unique_ptr<PortGuard>> StartGuard(
    caf::actor_system& system, const TaskActor& task,
    const TaskAddress& address, const NodeOptions& options,
    std::function<void(const std::string&)> log) {
  TROUPE_ASSIGN_OR_RETURN(uint16_t port,
                          PublishTask(system, task, {"127.0.0.1", 0}));
  PortGuardOptions guard;
  guard.listen = address;
  guard.upstream = {"127.0.0.1", port};
  guard.inspect_frames = !options.tls.has_value();
  guard.log = std::move(log);
  return PortGuard::Start(std::move(guard));
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
  // CAF serves on loopback only; the guard serves the spec's address.
  absl::StatusOr<std::unique_ptr<PortGuard>> guard =
      StartGuard(impl->system, impl->task, *address, options, std::move(log));
  if (!guard.ok()) {
    caf::anon_send_exit(impl->task, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(impl->checkpoints, caf::exit_reason::user_shutdown);
    if (impl->caf_output) {
      caf::anon_send_exit(impl->caf_output, caf::exit_reason::user_shutdown);
    }
    return absl::Status(
        guard.status().code(),
        absl::StrCat(task.ToDevice(), ": ", guard.status().message()));
  }
  impl->guard = *std::move(guard);
  return std::unique_ptr<TaskServer>(new TaskServer(std::move(impl)));
}

TaskServer::TaskServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TaskServer::~TaskServer() {
  caf::scoped_actor self{impl_->system};
  self->send_exit(impl_->task,
                  ToError(absl::CancelledError("task is shutting down")));
  self->wait_for(impl_->task);
  self->send_exit(impl_->checkpoints, caf::exit_reason::user_shutdown);
  self->wait_for(impl_->checkpoints);
  if (impl_->caf_output) {
    self->send_exit(impl_->caf_output, caf::exit_reason::user_shutdown);
    self->wait_for(impl_->caf_output);
  }
}

uint16_t TaskServer::port() const { return impl_->guard->port(); }

}  // namespace troupe
