// How the blocking queue and variable classes reach their resource on its
// task: look it up or create it, forget it once it is lost or reset, and
// fail ABORTED once when its task restarted since.
// Private to cluster/.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "cluster/receiver_state.h"
#include "cluster/rpc.h"
#include "cluster/session.h"
#include "serialization/task_status.h"

namespace troupe::internal {

// Where a resource lives, as its client class names it.
struct ResourceAddress {
  const char* kind;  // "queue", "variable"
  const std::string& device;
  const std::string& container;
  const std::string& shared_name;
};

// The ABORTED of a handle that found its resource on incarnation `before` of
// the task that `now` reached again: "Task /job:ps/task:0 restarted
// (incarnation 1a2b3c4d5e6f7081 -> 0f1e2d3c4b5a6978) since queue 'q' was
// looked up; its state is gone" (with " in container 'c'" after the name
// outside the default container), or, when the new incarnation restored a
// checkpoint, "...; the task restored checkpoint ckpt/auto-1765000000000
// (saved 2026-12-06 09:20:00.000 UTC); what it did not hold is gone".
// `now` is a TaskConnection or a WireTask.
template <class Task>
absl::Status RestartedError(const Task& now, uint64_t before,
                            const ResourceAddress& where) {
  return absl::AbortedError(absl::StrCat(
      "Task ", now.device, " restarted (incarnation ",
      FormatIncarnation(before), " -> ", FormatIncarnation(now.incarnation),
      ") since ", where.kind, " '", where.shared_name, "'",
      where.container.empty()
          ? ""
          : absl::StrCat(" in container '", where.container, "'"),
      " was looked up; ",
      now.restored_prefix.empty()
          ? std::string("its state is gone")
          : absl::StrCat("the task restored checkpoint ", now.restored_prefix,
                         " (saved ",
                         absl::FormatTime(
                             "%Y-%m-%d %H:%M:%E3S UTC",
                             absl::FromUnixMillis(now.restored_time_unix_ms),
                             absl::UTCTimeZone()),
                         "); what it did not hold is gone")));
}

// Asks the resource's task for it: creating it with `*spec` when
// `create_if_missing` (CreateAtom), else looking it up (LookupAtom, NOT_FOUND
// if missing). On success sets `*actor` and `*spec` (the task's), `*created`
// when not null, and `*incarnation` to the task's. When `*incarnation` (not 0)
// is not the task's, the task restarted since: fails ABORTED
// (RestartedError) without asking, and takes the new incarnation, so that the
// next call asks.
template <class Actor, class Spec, class CreateAtom, class LookupAtom>
absl::Status ConnectResource(Session& session, const ResourceAddress& where,
                             bool create_if_missing, Actor* actor, Spec* spec,
                             bool* created, uint64_t* incarnation) {
  auto task = session.connection(where.device);
  if (!task.ok()) return task.status();
  if (*incarnation != 0 && *incarnation != task->incarnation) {
    absl::Status aborted = RestartedError(*task, *incarnation, where);
    *incarnation = task->incarnation;
    return aborted;
  }
  absl::Status status;
  if (create_if_missing) {
    auto reply = Call<Actor, Spec, bool>(
        session.requester(), task->actor, kAnsweredAtOnce, CreateAtom::value,
        kThisTask, where.container, where.shared_name, *spec);
    status = reply.status();
    if (reply.ok()) {
      std::tie(*actor, *spec, std::ignore) = *reply;
      if (created != nullptr) *created = std::get<2>(*reply);
    }
  } else {
    auto reply = Call<Actor, Spec>(
        session.requester(), task->actor, kAnsweredAtOnce, LookupAtom::value,
        kThisTask, where.container, where.shared_name);
    status = reply.status();
    if (reply.ok()) std::tie(*actor, *spec) = *reply;
  }
  if (status.ok()) *incarnation = task->incarnation;
  if (absl::IsUnavailable(status)) session.Disconnected(where.device);
  return status;
}

// Makes `*actor` the resource's actor to send the next call to: as it is
// while it runs; looked up again (ConnectResource) when there is none, when
// its task restarted (ABORTED, once) or when only the connection to its task
// was lost. An actor stopped by a reset stays, so that the call fails
// NOT_FOUND as before. Arguments as for ConnectResource.
template <class Actor, class Spec, class CreateAtom, class LookupAtom>
absl::Status EnsureResource(Session& session, const ResourceAddress& where,
                            bool create_if_missing, Actor* actor, Spec* spec,
                            uint64_t* incarnation) {
  if (*actor && DownReason(*actor)) {
    auto task = session.connection(where.device);
    if (!task.ok()) return task.status();
    if (task->incarnation != *incarnation || ConnectionLost(*actor)) {
      *actor = Actor{};
    }
  }
  if (*actor) return absl::OkStatus();
  return ConnectResource<Actor, Spec, CreateAtom, LookupAtom>(
      session, where, create_if_missing, actor, spec, nullptr, incarnation);
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
