// Opening a TCP connection to a task, with a timeout: the kernel's own connect
// to a host gone from a flat network waits about two minutes.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "config/cluster_spec.h"
#include "net/fd.h"

namespace troupe {

// A connected, non-blocking socket to `address` with TCP_NODELAY set.
// UNAVAILABLE "Cannot connect to task at HOST:PORT: <reason>" (a reason of
// "no answer within 4s" past `timeout`).
absl::StatusOr<Fd> OpenConnection(const TaskAddress& address,
                                  absl::Duration timeout);

}  // namespace troupe
