// WireServer: a task's side of Troupe's wire. One I/O thread (epoll) reads
// every connection's frames and is itself a CAF execution unit: the actors
// that a read wakes (the connection's proxy, then the resource) run on it
// right after the read, up to a work budget, and the rest go to CAF's
// scheduler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "caf/fwd.hpp"

#include "net/fd.h"
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
  // its handshake is closed to make room, or else the new one.
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
  // Gets a line, on the I/O thread, for each connection refused or closed.
  std::function<void(const std::string&)> log;
};

class WireServer {
 public:
  WireServer(caf::actor_system& system, TaskActor task,
             WireServerOptions options);
  // Closes every connection (their proxies exit, withdrawing what waits)
  // and stops the thread.
  ~WireServer();
  WireServer(const WireServer&) = delete;
  WireServer& operator=(const WireServer&) = delete;

  // Serves `socket`, whose peer already sent `received` (the start of its
  // handshake). Thread-safe.
  void Adopt(Fd socket, std::string received);

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace troupe
