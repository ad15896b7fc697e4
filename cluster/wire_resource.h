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

#include "cluster/resource_connection.h"
#include "cluster/rpc.h"
#include "cluster/session.h"
#include "cluster/wire_call.h"
#include "net/wire_client.h"
#include "serialization/wire_messages.h"

namespace troupe::internal {

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

}  // namespace troupe::internal
