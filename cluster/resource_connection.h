// How the blocking queue and variable classes reach their resource on its
// task: look it up or create it, and forget it once it is lost or reset.
// Private to cluster/.
#pragma once

#include <mutex>
#include <string>
#include <tuple>

#include "absl/status/status.h"

#include "cluster/rpc.h"
#include "cluster/session.h"

namespace troupe::internal {

// Where a resource lives, as its client class names it.
struct ResourceAddress {
  const std::string& device;
  const std::string& container;
  const std::string& shared_name;
};

// Asks the resource's task for it: creating it with `*spec` when
// `create_if_missing` (CreateAtom), else looking it up (LookupAtom, NOT_FOUND
// if missing). On success sets `*actor` and `*spec` (the task's), and
// `*created` when not null.
template <class Actor, class Spec, class CreateAtom, class LookupAtom>
absl::Status ConnectResource(Session& session, const ResourceAddress& where,
                             bool create_if_missing, Actor* actor, Spec* spec,
                             bool* created) {
  auto task = session.task(where.device);
  if (!task.ok()) return task.status();
  absl::Status status;
  if (create_if_missing) {
    auto reply = Call<Actor, Spec, bool>(
        session.requester(), *task, kAnsweredAtOnce, CreateAtom::value,
        kThisTask, where.container, where.shared_name, *spec);
    status = reply.status();
    if (reply.ok()) {
      std::tie(*actor, *spec, std::ignore) = *reply;
      if (created != nullptr) *created = std::get<2>(*reply);
    }
  } else {
    auto reply = Call<Actor, Spec>(session.requester(), *task, kAnsweredAtOnce,
                                   LookupAtom::value, kThisTask,
                                   where.container, where.shared_name);
    status = reply.status();
    if (reply.ok()) std::tie(*actor, *spec) = *reply;
  }
  if (absl::IsUnavailable(status)) session.Disconnected(where.device);
  return status;
}

// After a call to `used` ended in `status`: when its task was lost
// (UNAVAILABLE) or the resource was reset (NOT_FOUND), forgets it (`*current`
// under `mutex`, unless another call already replaced it) so that the next
// call looks it up again, and tells the session of a lost task.
template <class Actor>
void ForgetIfLost(const absl::Status& status, const Actor& used,
                  std::mutex& mutex, Actor* current, Session& session,
                  const std::string& device) {
  if (!absl::IsUnavailable(status) && !absl::IsNotFound(status)) return;
  std::lock_guard<std::mutex> lock(mutex);
  if (*current == used) *current = Actor{};
  if (absl::IsUnavailable(status)) session.Disconnected(device);
}

}  // namespace troupe::internal
