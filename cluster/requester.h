// Requester: the one actor of a Session that sends every blocking call's
// request and fails the calls whose receiver is lost. Private to cluster/.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caf/fwd.hpp"

namespace troupe::internal {

// Calling threads send their requests as the requester (an actor companion):
// a request goes from the calling thread straight to its receiver, and its
// reply, or its receiver's down message, from the thread that delivers it
// straight to the waiting call, with no actor scheduled in between.
//
// The requester monitors every receiver it sent a request to until that
// receiver goes down; then every call still waiting on it fails at once.
// Thread-safe.
class Requester {
 public:
  explicit Requester(caf::actor_system& system);
  // Stops the requester (its monitors see it go down); calls still waiting
  // fail CANCELLED.
  ~Requester();
  Requester(const Requester&) = delete;
  Requester& operator=(const Requester&) = delete;

  // Sends `request` to `dest` and blocks until the reply arrives. Fails with
  // the error the reply carries (through ToStatus), DEADLINE_EXCEEDED past
  // `server_timeout` + kClientSlack (never for InfiniteDuration), or
  // LossStatus when `dest` goes down. REQUIRES: `dest` is not null. Never
  // call from inside an actor.
  absl::StatusOr<caf::message> Request(const caf::strong_actor_ptr& dest,
                                       absl::Duration server_timeout,
                                       caf::message request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace troupe::internal
