// Call: one request from a blocking client thread to a (possibly remote)
// actor, answered with its reply, its error, or UNAVAILABLE when the actor's
// node is lost; CAF 0.17 itself never fails requests in flight to a dead node.
// Private to cluster/.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <tuple>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"

#include "serialization/status_error.h"

namespace troupe::internal {

// How much longer than the server's own deadline the client waits before it
// gives up on a reply (a safety net; the server answers first).
inline constexpr absl::Duration kClientSlack = absl::Seconds(30);

// The server timeout of a request that never waits (create, lookup, size,
// list, reset): the client gives up after kClientSlack, so no call hangs.
inline constexpr absl::Duration kAnsweredAtOnce = absl::ZeroDuration();

// Why a request cannot be answered when its receiver went down: a lost
// connection is UNAVAILABLE; a receiver that was stopped (a reset container)
// or was already gone is NOT_FOUND.
inline absl::Status LossStatus(const caf::error& reason) {
  if (reason == caf::make_error(caf::exit_reason::remote_link_unreachable)) {
    return absl::UnavailableError("Lost the connection to the task");
  }
  absl::Status stopped = ToStatus(reason);
  return absl::NotFoundError(
      absl::StrCat("The resource no longer exists: ",
                   stopped.ok() ? "it was stopped" : stopped.message()));
}

// The device argument of a request sent to the task that serves the device
// (Session::task(device) finds it): "this task".
inline const std::string kThisTask;

// Sends `args...` to `dest` and blocks the calling thread until the reply
// (of types Out...) arrives. `server_timeout` is the deadline the request
// carries (InfiniteDuration: none). Never call from inside an actor.
template <class... Out, class Handle, class... Args>
absl::StatusOr<std::tuple<Out...>> Call(caf::actor_system& system,
                                        const Handle& dest,
                                        absl::Duration server_timeout,
                                        Args... args) {
  using Result = absl::StatusOr<std::tuple<Out...>>;
  struct Shared {
    std::promise<Result> promise;
    std::atomic<bool> done{false};
    void Set(Result result) {
      if (!done.exchange(true)) promise.set_value(std::move(result));
    }
  };
  if (!dest) return absl::UnavailableError("Not connected");
  auto shared = std::make_shared<Shared>();
  auto future = shared->promise.get_future();
  caf::duration client_timeout = server_timeout == absl::InfiniteDuration()
                                     ? caf::duration{caf::infinite}
                                     : caf::duration{absl::ToChronoMilliseconds(
                                           server_timeout + kClientSlack)};
  system.spawn([=](caf::event_based_actor* self) {
    self->monitor(dest);
    self->set_down_handler([=](caf::down_msg& down) {
      shared->Set(LossStatus(down.reason));
      self->quit();
    });
    self->request(dest, client_timeout, args...)
        .then(
            [=](Out&... values) {
              self->demonitor(dest.address());
              shared->Set(std::make_tuple(std::move(values)...));
              self->quit();
            },
            [=](caf::error& error) {
              self->demonitor(dest.address());
              shared->Set(ToStatus(error));
              self->quit();
            });
  });
  return future.get();
}

}  // namespace troupe::internal
