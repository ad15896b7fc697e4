// A task's listening socket: bound to the task's own address from the cluster
// spec, the one port through which every client reaches it.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

#include "config/cluster_spec.h"
#include "net/fd.h"

namespace troupe {

struct Listener {
  Fd socket;  // non-blocking, listening
  uint16_t port = 0;
};

// Binds `address` (SO_REUSEADDR, so that a restarted task gets its port back
// at once; port 0 picks a free one) and listens. UNAVAILABLE "Cannot serve on
// HOST:PORT: <reason>" if it cannot.
absl::StatusOr<Listener> Listen(const TaskAddress& address);

}  // namespace troupe
