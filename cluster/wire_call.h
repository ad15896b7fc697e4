// CallWire: one request of a blocking client call over Troupe's wire,
// answered with the reply it expects or an error. Private to cluster/.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "net/wire_client.h"
#include "serialization/wire_messages.h"

namespace troupe::internal {

// How much longer than the server's own deadline the client waits before it
// gives up on a reply (a safety net; the server answers first).
inline constexpr absl::Duration kClientSlack = absl::Seconds(30);

// The server timeout of a request that never waits (create, lookup, size,
// list, reset): the client gives up after kClientSlack, so no call hangs.
inline constexpr absl::Duration kAnsweredAtOnce = absl::ZeroDuration();

// The device argument of a request sent to the task that serves the device
// (Session::wire(device) finds it): "this task".
inline const std::string kThisTask;

// `timeout` as a request's timeout_ms: kWireNoTimeout for none.
inline int64_t ToTimeoutMs(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return kWireNoTimeout;
  if (timeout < absl::ZeroDuration()) return 0;
  return absl::ToInt64Milliseconds(timeout);
}

// Sends `request` through `client` and waits for its Reply: the task's error,
// UNAVAILABLE for a lost connection, or DEADLINE_EXCEEDED kClientSlack past
// `server_timeout` (the deadline the request carries; InfiniteDuration:
// none).
template <class Reply>
absl::StatusOr<Reply> CallWire(WireClient& client, const Message& request,
                               absl::Duration server_timeout) {
  const absl::Time deadline = server_timeout == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + server_timeout + kClientSlack;
  absl::StatusOr<Message> reply = client.Call(request, deadline);
  if (!reply.ok()) return reply.status();
  if (auto* typed = std::get_if<Reply>(&*reply)) return std::move(*typed);
  return absl::InternalError(absl::StrCat(
      "The task answered with a message of kind ",
      std::visit([](const auto& m) { return static_cast<int>(m.kKind); },
                 *reply),
      " instead of kind ", static_cast<int>(Reply::kKind)));
}

}  // namespace troupe::internal
