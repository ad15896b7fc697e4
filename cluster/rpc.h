// Call: one request from a blocking client thread to a (possibly remote)
// actor, sent by the session's Requester, answered with its reply, its error,
// or UNAVAILABLE when the actor's node is lost; CAF 0.17 itself never fails
// requests in flight to a dead node. Private to cluster/.
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "caf/actor_cast.hpp"
#include "caf/atom.hpp"
#include "caf/exit_reason.hpp"
#include "caf/make_message.hpp"
#include "caf/message.hpp"
#include "caf/response_type.hpp"

#include "cluster/requester.h"
#include "cluster/wire_call.h"
#include "serialization/status_error.h"

namespace troupe::internal {

// The device argument of a request sent to the task that serves the device
// (Session::task(device) finds it): "this task".
inline const std::string kThisTask;

// The error of a reply that does not have the types the caller expects.
absl::Status UnexpectedReply(const caf::message& reply);

// Moves element `i` of `reply`, a T, out of it.
template <class T>
T TakeElement(caf::message& reply, std::size_t i) {
  if constexpr (caf::is_atom_constant<T>::value) {
    return T::value;
  } else {
    return reply.move_if_unshared<T>(i);
  }
}

// Moves the elements of `reply`, which holds Out..., out of it.
template <class... Out, std::size_t... I>
std::tuple<Out...> TakeReply(caf::message& reply, std::index_sequence<I...>) {
  return std::tuple<Out...>(TakeElement<Out>(reply, I)...);
}

// Sends `args...` to `dest` through `requester` and blocks the calling thread
// until the reply (of types Out...) arrives. `server_timeout` is the deadline
// the request carries (InfiniteDuration: none). Never call from inside an
// actor.
template <class... Out, class Handle, class... Args>
absl::StatusOr<std::tuple<Out...>> Call(Requester& requester,
                                        const Handle& dest,
                                        absl::Duration server_timeout,
                                        Args... args) {
  static_assert(
      std::is_same_v<caf::response_type_t<typename Handle::signatures, Args...>,
                     caf::detail::type_list<Out...>>,
      "`dest` does not answer `args...` with `Out...`");
  if (!dest) return absl::UnavailableError("Not connected");
  absl::StatusOr<caf::message> reply =
      requester.Request(caf::actor_cast<caf::strong_actor_ptr>(dest),
                        server_timeout, caf::make_message(std::move(args)...));
  if (!reply.ok()) return reply.status();
  if (!reply->match_elements<Out...>()) return UnexpectedReply(*reply);
  return TakeReply<Out...>(*reply, std::index_sequence_for<Out...>{});
}

}  // namespace troupe::internal
