#include "cluster/session.h"

#include <map>
#include <mutex>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"

#include "base/status_macros.h"
#include "cluster/receiver_state.h"
#include "cluster/requester.h"
#include "cluster/rpc.h"
#include "cluster/transport.h"
#include "config/cluster_spec.h"

namespace troupe {

struct Session::Impl {
  Impl(std::string target_address, const NodeOptions& options)
      : target(std::move(target_address)),
        tls_files(options.tls ? CheckTlsFiles(*options.tls) : absl::OkStatus()),
        connect_timeout(absl::FromChrono(options.connection_timeout)),
        system((ConfigureNode(config, options), config)) {}

  // Connects to the task at `address` ("host:port") and asks it for its
  // device and incarnation. REQUIRES: mutex held.
  absl::StatusOr<TaskConnection> Connect(const std::string& address) {
    TROUPE_RETURN_IF_ERROR(tls_files);
    TROUPE_ASSIGN_OR_RETURN(TaskAddress parsed, ParseTaskAddress(address));
    TROUPE_ASSIGN_OR_RETURN(TaskActor actor,
                            ConnectToTask(system, parsed, connect_timeout));
    auto status = internal::Call<TaskStatus>(
        requester, actor, internal::kAnsweredAtOnce, status_atom::value);
    if (!status.ok()) return status.status();
    const TaskStatus& task = std::get<0>(*status);
    return TaskConnection{actor, task.device, task.incarnation,
                          task.restored_prefix, task.restored_time_unix_ms};
  }

  // Asks the target where `device` is served: (device name, "host:port").
  // REQUIRES: mutex held, target_task connected.
  absl::StatusOr<std::tuple<std::string, std::string>> Resolve(
      const std::string& device) {
    auto where = internal::Call<std::string, std::string>(
        requester, target_task.actor, internal::kAnsweredAtOnce,
        resolve_atom::value, device);
    if (absl::IsUnavailable(where.status())) target_task = TaskConnection{};
    return where;
  }

  std::string target;
  // Why the TLS files cannot be used (checked once); OK without TLS.
  absl::Status tls_files;
  // How long a new connection may take to open (the heartbeat timeout).
  absl::Duration connect_timeout;
  caf::actor_system_config config;
  caf::actor_system system;
  std::mutex mutex;
  TaskConnection target_task;                   // No actor: not connected.
  std::map<std::string, TaskConnection> tasks;  // Other devices, by name.
  // Last, so that it stops before the rest goes away.
  internal::Requester requester{system};
};

Session::Session(std::string target, NodeOptions options)
    : impl_(std::make_unique<Impl>(std::move(target), options)) {}

Session::~Session() = default;

const std::string& Session::target() const { return impl_->target; }

caf::actor_system& Session::system() { return impl_->system; }

internal::Requester& Session::requester() { return impl_->requester; }

absl::StatusOr<TaskActor> Session::task(const std::string& device) {
  TROUPE_ASSIGN_OR_RETURN(TaskConnection found, connection(device));
  return found.actor;
}

absl::StatusOr<TaskConnection> Session::connection(const std::string& device) {
  std::string name;
  if (!device.empty()) {
    auto parsed = ParseDevice(device);
    if (!parsed.ok()) return parsed.status();
    name = parsed->ToDevice();
  }
  std::lock_guard<std::mutex> lock(impl_->mutex);
  TaskConnection& target = impl_->target_task;
  if (target.actor && internal::DownReason(target.actor)) target = {};
  if (!target.actor) {
    TROUPE_ASSIGN_OR_RETURN(target, impl_->Connect(impl_->target));
  }
  if (name.empty() || name == target.device) return target;
  if (auto known = impl_->tasks.find(name); known != impl_->tasks.end()) {
    if (!internal::DownReason(known->second.actor)) return known->second;
    impl_->tasks.erase(known);
  }
  auto where = impl_->Resolve(name);
  if (!where.ok()) return where.status();
  TROUPE_ASSIGN_OR_RETURN(TaskConnection task,
                          impl_->Connect(std::get<1>(*where)));
  impl_->tasks[name] = task;
  return task;
}

void Session::Disconnected(const std::string& device) {
  std::string name = device;
  if (auto parsed = ParseDevice(device); parsed.ok()) name = parsed->ToDevice();
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (name.empty() || name == impl_->target_task.device) {
    impl_->target_task = TaskConnection{};
  } else {
    impl_->tasks.erase(name);
  }
}

absl::Status Session::reset(const std::vector<std::string>& containers,
                            const std::string& device) {
  auto task_handle = task(device);
  if (!task_handle.ok()) return task_handle.status();
  auto done = internal::Call<caf::ok_atom>(
      impl_->requester, *task_handle, internal::kAnsweredAtOnce,
      reset_atom::value, internal::kThisTask, containers);
  if (absl::IsUnavailable(done.status())) Disconnected(device);
  return done.status();
}

absl::StatusOr<std::vector<ResourceInfo>> Session::list(
    const std::string& device) {
  auto task_handle = task(device);
  if (!task_handle.ok()) return task_handle.status();
  auto infos = internal::Call<std::vector<ResourceInfo>>(
      impl_->requester, *task_handle, internal::kAnsweredAtOnce,
      list_atom::value, internal::kThisTask);
  if (!infos.ok()) {
    if (absl::IsUnavailable(infos.status())) Disconnected(device);
    return infos.status();
  }
  return std::get<0>(std::move(*infos));
}

absl::StatusOr<TaskStatus> Session::status(const std::string& device) {
  auto task_handle = task(device);
  if (!task_handle.ok()) return task_handle.status();
  auto status =
      internal::Call<TaskStatus>(impl_->requester, *task_handle,
                                 internal::kAnsweredAtOnce, status_atom::value);
  if (!status.ok()) {
    if (absl::IsUnavailable(status.status())) Disconnected(device);
    return status.status();
  }
  return std::get<0>(std::move(*status));
}

}  // namespace troupe
