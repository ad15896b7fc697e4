// WireServer: a task's side of Troupe's wire, on the task's one port. One I/O
// thread (epoll) accepts and reads every connection and is a CAF execution
// unit (actors/inline_unit.h): the actors that a read wakes (the connection's
// proxy, then the resource) run on it right after the read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caf/fwd.hpp"

#include "base/log_level.h"
#include "config/cluster_spec.h"
#include "net/tls_stream.h"
#include "serialization/protocol.h"
#include "serialization/wire_format.h"

namespace troupe {

struct WireServerOptions {
  // Sent in the handshake: which start of the task this is (TaskStatus).
  uint64_t incarnation = 0;
  WireLimits limits;
  // The most bytes of frames being received at once, over all connections
  // (the task's memory limit): a frame whose header would pass it is
  // refused, RESOURCE_EXHAUSTED, before anything is allocated for it, and
  // its connection closed. Each connection receives one frame at a time.
  uint64_t receive_budget_bytes = uint64_t{1} << 30;
  // Connections open at once; past it the oldest one that has not completed
  // its handshake is closed to make room, or else the new one. So silent
  // sockets never lock clients out.
  size_t max_connections = 1024;
  // A connection whose handshake has not arrived by then is closed.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // How often a waiting client gets a heartbeat, and how long a client may
  // leave replies unread, or a frame unfinished, before its connection is
  // closed (NodeOptions).
  absl::Duration heartbeat_interval = absl::Milliseconds(500);
  absl::Duration stall_timeout = absl::Seconds(4);
  // With a context, every connection speaks TLS after the handshakes, with a
  // certificate the context's CA signed; a client that asks for plaintext
  // is refused, as is one that asks for TLS without one.
  TlsContext tls;
  // Without TLS, the task also listens on the abstract Unix socket beside
  // its port (net/local_socket.h), where clients of the same host pass
  // tensor segments of at least `shared_memory_min_bytes` as memfds, and
  // get their replies' segments so.
  bool shared_memory = true;
  uint64_t shared_memory_min_bytes = uint64_t{64} << 10;
  // With TLS, listen there too. No TLS is spoken on that socket: a client
  // is served only when its process runs as this process's effective uid
  // (PeerUid), and closed at once, with a warning, otherwise.
  bool shared_memory_with_tls = false;
  // Gets a line, on the I/O thread, for each connection whose handshake
  // arrived ("opened", info), and each one refused or closed (info when
  // either side closed it in order, else warning).
  LogSink log;
};

class WireServer {
 public:
  // Serves `task` on `address` (net/listener.h; UNAVAILABLE "Cannot serve on
  // HOST:PORT: <reason>" if it cannot be bound).
  static absl::StatusOr<std::unique_ptr<WireServer>> Start(
      caf::actor_system& system, TaskActor task, const TaskAddress& address,
      WireServerOptions options);
  // Closes every connection (their proxies exit, withdrawing what waits)
  // and stops the thread.
  ~WireServer();
  WireServer(const WireServer&) = delete;
  WireServer& operator=(const WireServer&) = delete;

  // The bound port.
  uint16_t port() const;

 private:
  class Loop;
  explicit WireServer(std::unique_ptr<Loop> loop);
  std::unique_ptr<Loop> loop_;
};

}  // namespace troupe
