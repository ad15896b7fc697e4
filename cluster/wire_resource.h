// WireResourceHandle: how the blocking queue, variable and reader classes
// reach their resource over Troupe's wire: look it up or create it, forget it
// once it is lost or reset, and fail ABORTED once when its task restarted
// since. Private to cluster/.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

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

// A resource as its task handed it out on a wire connection.
struct WireResource {
  std::shared_ptr<WireClient> client;  // null: not found yet
  uint64_t id = 0;
};

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

// What a blocking client class (a queue, Variable, a reader) holds to reach
// its resource over Troupe's wire: where it lives, its spec (the task's, once
// found), the resource as the blocking calls reach it, the local proxy that
// handle() hands out, and the task's incarnation it was found on. The
// resource is looked up (or created) at the first call, found again after
// its connection was lost or it was reset, and a restart of its task since
// is reported ABORTED once, by whichever call asks first. Thread-safe.
template <class Spec, class Actor>
class WireResourceHandle {
 public:
  // `kind` names the resource in errors: "queue", "variable", "reader".
  // Without `create_if_missing` a missing resource is NOT_FOUND.
  WireResourceHandle(Session& session, const char* kind, Spec spec,
                     std::string shared_name, std::string device,
                     std::string container, bool create_if_missing)
      : session_(session),
        kind_(kind),
        shared_name_(std::move(shared_name)),
        device_(std::move(device)),
        container_(std::move(container)),
        create_if_missing_(create_if_missing),
        spec_(std::move(spec)) {}

  // Asks the resource's task for it now; sets `*created` (when not null) to
  // whether this call created it.
  absl::Status Connect(bool* created) {
    std::lock_guard<std::mutex> lock(mutex_);
    return ConnectLocked(created);
  }

  // One blocking call: finds the resource if need be, sends `request` with
  // its id, and forgets the resource when the reply shows it lost
  // (UNAVAILABLE, and the session is told) or reset (NOT_FOUND), so that the
  // next call finds it again. `timeout` is the one the request carries.
  template <class Reply, class Request>
  absl::StatusOr<Reply> Call(Request request, absl::Duration timeout) {
    WireResource used;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (absl::Status found = EnsureLocked(); !found.ok()) return found;
      used = resource_;
    }
    request.resource_id = used.id;
    absl::StatusOr<Reply> reply =
        CallWire<Reply>(*used.client, std::move(request), timeout);
    ForgetIfGone(reply.status(), used);
    return reply;
  }

  // The typed handle for users' own actors: a local proxy of the resource
  // (handle_proxy.h), made anew when the resource was found anew.
  absl::StatusOr<Actor> Handle() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (absl::Status found = EnsureLocked(); !found.ok()) return found;
    if (actor_ && proxied_.client == resource_.client &&
        proxied_.id == resource_.id) {
      return actor_;
    }
    if (actor_) caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
    actor_ = caf::actor_cast<Actor>(
        SpawnHandleProxy(session_.system(), resource_.client, resource_.id));
    proxied_ = resource_;
    return actor_;
  }

  Spec spec() {
    std::lock_guard<std::mutex> lock(mutex_);
    return spec_;
  }
  const std::string& shared_name() const { return shared_name_; }

 private:
  using Messages = ResourceMessages<Spec>;

  // Asks the task for the resource: creates it with spec_ when
  // create_if_missing_, else looks it up. When the task's incarnation is not
  // the one the resource was found on, fails ABORTED (RestartedError)
  // without asking and takes the new incarnation, so that the next call
  // asks. REQUIRES: mutex_ held.
  absl::Status ConnectLocked(bool* created) {
    resource_ = WireResource{};
    const ResourceAddress where{kind_, device_, container_, shared_name_};
    auto task = session_.wire(device_);
    if (!task.ok()) return task.status();
    if (incarnation_ != 0 && incarnation_ != task->incarnation) {
      absl::Status aborted = RestartedError(*task, incarnation_, where);
      incarnation_ = task->incarnation;
      return aborted;
    }
    absl::Status status;
    if (create_if_missing_) {
      auto reply = CallWire<typename Messages::Created>(
          *task->client,
          typename Messages::Create{kThisTask, container_, shared_name_, spec_},
          kAnsweredAtOnce);
      status = reply.status();
      if (reply.ok()) {
        resource_ = WireResource{task->client, reply->resource_id};
        spec_ = std::move(reply->spec);
        if (created != nullptr) *created = reply->created;
      }
    } else {
      auto reply = CallWire<typename Messages::Found>(
          *task->client,
          typename Messages::Lookup{kThisTask, container_, shared_name_},
          kAnsweredAtOnce);
      status = reply.status();
      if (reply.ok()) {
        resource_ = WireResource{task->client, reply->resource_id};
        spec_ = std::move(reply->spec);
      }
    }
    if (status.ok()) incarnation_ = task->incarnation;
    if (absl::IsUnavailable(status)) session_.Disconnected(device_);
    return status;
  }

  // Makes resource_ the one to send the next call to: as it is while its
  // connection works, else found again (ConnectLocked). REQUIRES: mutex_
  // held.
  absl::Status EnsureLocked() {
    if (resource_.client && resource_.client->Probe().ok()) {
      return absl::OkStatus();
    }
    return ConnectLocked(nullptr);
  }

  // After a call to `used` ended in `status`: forgets resource_ (unless
  // another call already replaced it) when its task was lost or it was
  // reset, and tells the session of a lost task.
  void ForgetIfGone(const absl::Status& status, const WireResource& used) {
    if (!absl::IsUnavailable(status) && !absl::IsNotFound(status)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (resource_.client == used.client && resource_.id == used.id) {
      resource_ = WireResource{};
    }
    if (absl::IsUnavailable(status)) session_.Disconnected(device_);
  }

  Session& session_;
  const char* const kind_;
  const std::string shared_name_;
  const std::string device_;
  const std::string container_;
  const bool create_if_missing_;
  std::mutex mutex_;
  Spec spec_;
  WireResource resource_;
  Actor actor_;
  WireResource proxied_;  // the resource actor_ stands for
  // The incarnation of the task the resource was found on (0: none yet).
  uint64_t incarnation_ = 0;
};

}  // namespace troupe::internal
