// Whether the actor behind a handle (a remote proxy, usually) went down, and
// whether for a lost connection: the blocking classes check it before they
// send, so that a handle to a task that restarted is told apart. Private to
// cluster/.
#pragma once

#include "caf/actor_cast.hpp"
#include "caf/error.hpp"
#include "caf/exit_reason.hpp"
#include "caf/monitorable_actor.hpp"

namespace troupe::internal {

// Why the actor behind `handle` went down; no error while it runs (or when
// `handle` is null). CAF kills every proxy of a node whose connection breaks
// with exit_reason::remote_link_unreachable.
template <class Handle>
caf::error DownReason(const Handle& handle) {
  auto* actor = dynamic_cast<caf::monitorable_actor*>(
      caf::actor_cast<caf::abstract_actor*>(handle));
  return actor == nullptr ? caf::error{} : actor->fail_state();
}

// True when the actor behind `handle` went down because its node's connection
// was lost.
template <class Handle>
bool ConnectionLost(const Handle& handle) {
  return DownReason(handle) ==
         caf::make_error(caf::exit_reason::remote_link_unreachable);
}

}  // namespace troupe::internal
