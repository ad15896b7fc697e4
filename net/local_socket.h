// The Unix socket beside a task's TCP port, through which a client on the
// same host (and in the same network namespace) reaches the task and passes
// tensor segments as memfds: an abstract socket "\0troupe.<port>".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

#include "config/cluster_spec.h"
#include "net/fd.h"
#include "net/listener.h"

namespace troupe {

// "\0troupe.<port>": abstract, so that it lives in the network namespace
// (a client in another one cannot reach it, and falls back to TCP), leaves
// no file behind and is gone with the task.
std::string LocalSocketName(uint16_t port);

// Listens on LocalSocketName(port). UNAVAILABLE "Cannot serve on the Unix
// socket for port P: <reason>" (another task of this namespace has it).
absl::StatusOr<Listener> ListenLocal(uint16_t port);

// A connected, non-blocking socket to LocalSocketName(port); UNAVAILABLE
// when no task of this namespace listens there.
absl::StatusOr<Fd> ConnectLocal(uint16_t port);

// The user id of the process at the other end of the Unix socket `fd`, as
// the kernel recorded it when the connection was made (SO_PEERCRED). With
// TLS allowed onto shared memory, each side checks it against its own
// effective uid: an abstract socket name can be taken by any user's
// process. UNAVAILABLE with the reason when the kernel cannot tell.
absl::StatusOr<uid_t> PeerUid(int fd);

// Whether `address` names this host: a loopback address, or one of this
// host's interfaces.
bool IsLocalAddress(const TaskAddress& address);

}  // namespace troupe
