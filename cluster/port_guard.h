// The port guard: a relay between a task's public address and the CAF port
// behind it that bounds what one peer can make CAF allocate, and logs peers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "config/cluster_spec.h"
#include "net/fd.h"

namespace troupe {

struct PortGuardOptions {
  // The public address; port 0 binds an ephemeral port (see port()).
  TaskAddress listen;
  // Where CAF listens, e.g. {"127.0.0.1", 34567}.
  TaskAddress upstream;
  // The size of each of the two buffers (one per direction) of a connection.
  size_t buffer_bytes = 256 * 1024;
  // Past it, a new connection closes the oldest one whose peer has not sent
  // a byte, or is itself closed at once if every peer has spoken (logged).
  size_t max_connections = 1024;
  // A BASP frame announcing more payload closes its connection (logged).
  uint64_t max_frame_bytes = uint64_t{1} << 30;
  // The most payload bytes that frame headers already forwarded may announce
  // before their payload is forwarded, summed over all connections: CAF
  // allocates the announced size when it reads a header. A connection whose
  // next header does not fit is not read until enough payload went through.
  uint64_t announced_budget_bytes = uint64_t{2} << 30;
  // False when the bytes are TLS records: then frames are not checked.
  bool inspect_frames = true;
  // Receives a line, on the guard's thread, when a connection's peer sends
  // its first byte ("opened"), when such a connection closes, when one is
  // refused past max_connections, and when one cannot reach the task. A
  // connection that closes without sending a byte is not logged. May be empty.
  std::function<void(const std::string&)> log;
  // Receives, on the guard's thread, each connection whose first bytes are
  // the magic of Troupe's wire handshake, with the bytes it sent so far: it
  // is not relayed. Without it every connection is relayed.
  std::function<void(Fd, std::string)> wire;
};

// Relays every connection accepted on `listen` to a new connection to
// `upstream`, in both directions, on one thread of its own (epoll): at most
// 2 * buffer_bytes of memory per connection. A client that does not read its
// replies is not read either.
class PortGuard {
 public:
  // Binds and listens on options.listen (SO_REUSEADDR), then starts the
  // thread. UNAVAILABLE "Cannot serve on HOST:PORT: <reason>" if it cannot.
  static absl::StatusOr<std::unique_ptr<PortGuard>> Start(
      PortGuardOptions options);

  // Stops the thread and closes every connection.
  ~PortGuard();
  PortGuard(const PortGuard&) = delete;
  PortGuard& operator=(const PortGuard&) = delete;

  // The bound public port.
  uint16_t port() const;

 private:
  class Loop;
  explicit PortGuard(std::unique_ptr<Loop> loop);

  std::unique_ptr<Loop> loop_;
};

}  // namespace troupe
