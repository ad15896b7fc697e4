// How the blocking queue and variable classes reach their resource over
// Troupe's wire: look it up or create it, forget it once it is lost or
// reset, and fail ABORTED once when its task restarted since. Private to
// cluster/.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "caf/actor_cast.hpp"
#include "caf/exit_reason.hpp"
#include "caf/send.hpp"

#include "cluster/handle_proxy.h"
#include "cluster/session.h"
#include "cluster/wire_call.h"
#include "net/wire_client.h"
#include "serialization/task_status.h"
#include "serialization/wire_messages.h"

namespace troupe::internal {

// Where a resource lives, as its client class names it.
struct ResourceAddress {
  const char* kind;  // "queue", "variable", "reader"
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
inline absl::Status RestartedError(const WireTask& now, uint64_t before,
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

// The lookup-or-create and lookup messages of a kind of resource, by its
// spec.
template <class Spec>
struct ResourceMessages;

template <>
struct ResourceMessages<QueueSpec> {
  using Create = QueueRequest;
  using Created = QueueReply;
  using Lookup = LookupRequest;
  using Found = LookupReply;
};

template <>
struct ResourceMessages<ReaderSpec> {
  using Create = ReaderRequest;
  using Created = ReaderReply;
  using Lookup = LookupReaderRequest;
  using Found = LookupReaderReply;
};

template <>
struct ResourceMessages<VariableSpec> {
  using Create = VariableRequest;
  using Created = VariableReply;
  using Lookup = LookupVariableRequest;
  using Found = LookupVariableReply;
};

// Asks the resource's task for it: creating it with `*spec` when
// `create_if_missing`, else looking it up (NOT_FOUND if missing). On success
// sets `*resource`, `*spec` (the task's), `*created` when not null, and
// `*incarnation` to the task's. When `*incarnation` (not 0) is not the
// task's, the task restarted since: fails ABORTED (RestartedError) without
// asking, and takes the new incarnation, so that the next call asks.
template <class Spec>
absl::Status ConnectWireResource(Session& session, const ResourceAddress& where,
                                 bool create_if_missing, WireResource* resource,
                                 Spec* spec, bool* created,
                                 uint64_t* incarnation) {
  using Messages = ResourceMessages<Spec>;
  *resource = WireResource{};
  auto task = session.wire(where.device);
  if (!task.ok()) return task.status();
  if (*incarnation != 0 && *incarnation != task->incarnation) {
    absl::Status aborted = RestartedError(*task, *incarnation, where);
    *incarnation = task->incarnation;
    return aborted;
  }
  absl::Status status;
  if (create_if_missing) {
    auto reply = CallWire<typename Messages::Created>(
        *task->client,
        typename Messages::Create{kThisTask, where.container, where.shared_name,
                                  *spec},
        kAnsweredAtOnce);
    status = reply.status();
    if (reply.ok()) {
      *resource = WireResource{task->client, reply->resource_id};
      *spec = std::move(reply->spec);
      if (created != nullptr) *created = reply->created;
    }
  } else {
    auto reply = CallWire<typename Messages::Found>(
        *task->client,
        typename Messages::Lookup{kThisTask, where.container,
                                  where.shared_name},
        kAnsweredAtOnce);
    status = reply.status();
    if (reply.ok()) {
      *resource = WireResource{task->client, reply->resource_id};
      *spec = std::move(reply->spec);
    }
  }
  if (status.ok()) *incarnation = task->incarnation;
  if (absl::IsUnavailable(status)) session.Disconnected(where.device);
  return status;
}

// Makes `*resource` the one to send the next call to: as it is while its
// connection works; found again (ConnectWireResource) when there is none or
// its connection was lost (ABORTED, once, if its task restarted since).
// Arguments as for ConnectWireResource.
template <class Spec>
absl::Status EnsureWireResource(Session& session, const ResourceAddress& where,
                                bool create_if_missing, WireResource* resource,
                                Spec* spec, uint64_t* incarnation) {
  if (resource->client && resource->client->Probe().ok()) {
    return absl::OkStatus();
  }
  return ConnectWireResource(session, where, create_if_missing, resource, spec,
                             nullptr, incarnation);
}

// After a call to `used` ended in `status`: when its task was lost
// (UNAVAILABLE) or the resource was reset (NOT_FOUND), forgets it
// (`*current` under `mutex`, unless another call already replaced it) so
// that the next call finds it again, and tells the session of a lost task.
inline void ForgetIfGone(const absl::Status& status, const WireResource& used,
                         std::mutex& mutex, WireResource* current,
                         Session& session, const std::string& device) {
  if (!absl::IsUnavailable(status) && !absl::IsNotFound(status)) return;
  std::lock_guard<std::mutex> lock(mutex);
  if (current->client == used.client && current->id == used.id) {
    *current = WireResource{};
  }
  if (absl::IsUnavailable(status)) session.Disconnected(device);
}

// One blocking call to a resource: finds it if need be
// (EnsureWireResource, under `mutex`), sends `request` with its id, and
// forgets it when the reply shows it lost or reset (ForgetIfGone). `timeout`
// is the one the request carries.
template <class Reply, class Request, class Spec>
absl::StatusOr<Reply> CallResource(Session& session,
                                   const ResourceAddress& where,
                                   bool create_if_missing, std::mutex& mutex,
                                   WireResource* current, Spec* spec,
                                   uint64_t* incarnation, Request request,
                                   absl::Duration timeout) {
  WireResource resource;
  {
    std::lock_guard<std::mutex> lock(mutex);
    absl::Status found = EnsureWireResource(session, where, create_if_missing,
                                            current, spec, incarnation);
    if (!found.ok()) return found;
    resource = *current;
  }
  request.resource_id = resource.id;
  absl::StatusOr<Reply> reply =
      CallWire<Reply>(*resource.client, request, timeout);
  ForgetIfGone(reply.status(), resource, mutex, current, session, where.device);
  return reply;
}

// The typed handle of the resource for users' own actors: `*actor`, a local
// proxy of `*proxied` (handle_proxy.h), made anew when the resource was found
// anew (EnsureWireResource, ABORTED once after a restart). REQUIRES: the
// caller holds the lock of `resource` and `actor`.
template <class Actor, class Spec>
absl::StatusOr<Actor> EnsureHandle(Session& session,
                                   const ResourceAddress& where,
                                   bool create_if_missing,
                                   WireResource* resource, Spec* spec,
                                   uint64_t* incarnation, Actor* actor,
                                   WireResource* proxied) {
  absl::Status found = EnsureWireResource(session, where, create_if_missing,
                                          resource, spec, incarnation);
  if (!found.ok()) return found;
  if (*actor && proxied->client == resource->client &&
      proxied->id == resource->id) {
    return *actor;
  }
  if (*actor) caf::anon_send_exit(*actor, caf::exit_reason::user_shutdown);
  *actor = caf::actor_cast<Actor>(
      SpawnHandleProxy(session.system(), resource->client, resource->id));
  *proxied = *resource;
  return *actor;
}

}  // namespace troupe::internal
