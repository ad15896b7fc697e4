// How the nodes of a cluster reach each other: CAF's binary protocol over
// plain TCP, or over mutual TLS through CAF's OpenSSL module.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caf/fwd.hpp"

#include "config/cluster_spec.h"
#include "config/tls_files.h"
#include "serialization/protocol.h"

namespace troupe {

// OK if `files` hold a PEM certificate, the unencrypted PEM private key of
// that certificate, and a PEM CA certificate. Else INVALID_ARGUMENT naming the
// file and OpenSSL's reason: CAF itself would only fail at the first
// connection.
absl::Status CheckTlsFiles(const TlsFiles& files);

// Serves `task` on `address` only, over TLS when `system` was configured with
// it (ConfigureNode). Returns the bound port; UNAVAILABLE naming the address
// and the reason when it cannot be bound.
absl::StatusOr<uint16_t> PublishTask(caf::actor_system& system,
                                     const TaskActor& task,
                                     const TaskAddress& address);

// Connects to the task served at `address` (OpenConnection first, with
// `timeout`: CAF's own connect has none), over TLS when `system` was configured
// with it, trying again until `timeout` when CAF drops a connection whose
// handshake is slow. UNAVAILABLE naming the address and the reason when the
// task cannot be reached or refuses the connection.
absl::StatusOr<TaskActor> ConnectToTask(caf::actor_system& system,
                                        const TaskAddress& address,
                                        absl::Duration timeout);

}  // namespace troupe
