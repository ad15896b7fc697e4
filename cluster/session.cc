#include "cluster/session.h"

#include <mutex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"

#include "cluster/rpc.h"
#include "config/cluster_spec.h"

namespace troupe {

struct Session::Impl {
  Impl(std::string target_address, const NodeOptions& options)
      : target(std::move(target_address)),
        system((ConfigureNode(config, options), config)) {}

  std::string target;
  caf::actor_system_config config;
  caf::actor_system system;
  std::mutex mutex;
  TaskActor task;
};

Session::Session(std::string target, NodeOptions options)
    : impl_(std::make_unique<Impl>(std::move(target), options)) {}

Session::~Session() = default;

const std::string& Session::target() const { return impl_->target; }

caf::actor_system& Session::system() { return impl_->system; }

absl::StatusOr<TaskActor> Session::task() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->task) return impl_->task;
  auto address = ParseTaskAddress(impl_->target);
  if (!address.ok()) return address.status();
  auto task = impl_->system.middleman().remote_actor<TaskActor>(address->host,
                                                                address->port);
  if (!task) {
    return absl::UnavailableError(
        absl::StrCat("Cannot connect to task at ", impl_->target, ": ",
                     impl_->system.render(task.error())));
  }
  impl_->task = *task;
  return impl_->task;
}

void Session::Disconnected() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->task = TaskActor{};
}

absl::Status Session::reset(const std::vector<std::string>& containers,
                            const std::string& device) {
  auto task_handle = task();
  if (!task_handle.ok()) return task_handle.status();
  auto done = internal::Call<caf::ok_atom>(
      impl_->system, *task_handle, internal::kAnsweredAtOnce, reset_atom::value,
      device, containers);
  if (absl::IsUnavailable(done.status())) Disconnected();
  return done.status();
}

absl::StatusOr<std::vector<ResourceInfo>> Session::list(
    const std::string& device) {
  auto task_handle = task();
  if (!task_handle.ok()) return task_handle.status();
  auto infos = internal::Call<std::vector<ResourceInfo>>(
      impl_->system, *task_handle, internal::kAnsweredAtOnce, list_atom::value,
      device);
  if (!infos.ok()) {
    if (absl::IsUnavailable(infos.status())) Disconnected();
    return infos.status();
  }
  return std::get<0>(std::move(*infos));
}

}  // namespace troupe
