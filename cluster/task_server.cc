#include "cluster/task_server.h"

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"
#include "caf/scoped_actor.hpp"

#include "actors/task_actor.h"
#include "serialization/status_error.h"

namespace troupe {

struct TaskServer::Impl {
  explicit Impl(const NodeOptions& options)
      : system((ConfigureNode(config, options), config)) {}

  caf::actor_system_config config;
  caf::actor_system system;
  TaskActor task;
  uint16_t port = 0;
};

absl::StatusOr<std::unique_ptr<TaskServer>> TaskServer::Start(
    const ClusterSpec& spec, const TaskId& task, const NodeOptions& options) {
  auto address = spec.Address(task);
  if (!address.ok()) return address.status();
  auto impl = std::make_unique<Impl>(options);
  TaskActorOptions task_options;
  task_options.device = task.ToDevice();
  for (const TaskId& other : spec.Tasks()) {
    task_options.cluster_devices.insert(other.ToDevice());
    task_options.addresses[other.ToDevice()] = spec.Address(other)->ToString();
  }
  impl->task = SpawnTaskActor(impl->system, std::move(task_options));
  auto port = impl->system.middleman().publish(
      impl->task, address->port, address->host.c_str(), /*reuse=*/true);
  if (!port) {
    caf::anon_send_exit(impl->task, caf::exit_reason::user_shutdown);
    return absl::UnavailableError(absl::StrCat(
        "Cannot serve ", task.ToDevice(), " on ", address->ToString(), ": ",
        impl->system.render(port.error())));
  }
  impl->port = *port;
  return std::unique_ptr<TaskServer>(new TaskServer(std::move(impl)));
}

TaskServer::TaskServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TaskServer::~TaskServer() {
  caf::scoped_actor self{impl_->system};
  self->send_exit(impl_->task,
                  ToError(absl::CancelledError("task is shutting down")));
  self->wait_for(impl_->task);
}

uint16_t TaskServer::port() const { return impl_->port; }

}  // namespace troupe
