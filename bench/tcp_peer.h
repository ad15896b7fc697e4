// The raw TCP socket peer: what loopback itself can do, the limit for big
// tensors and for one round trip. A server role (run in its own process)
// answers three kinds of connections; the client functions time them.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace troupe::bench {

// Serves on a free 127.0.0.1 port: prints "port N" on stdout, then serves
// every connection in a thread of its own until killed.
int RunTcpServer();

// Sends `bytes` to the server, which takes them all, then sends them back
// (store and forward, like an assign followed by a read). Seconds for both.
absl::StatusOr<double> TcpStoreAndForward(uint16_t port, size_t bytes);

// Streams `chunks` chunks of `chunk_bytes` through the server, which sends
// each back as soon as it has it, while this side reads concurrently (like a
// producer and a consumer on a queue). Seconds until the last byte is back.
absl::StatusOr<double> TcpStream(uint16_t port, size_t chunk_bytes,
                                 int64_t chunks);

// `count` ping-pongs of an 8-byte message, one at a time: each round trip's
// latency in microseconds.
absl::StatusOr<std::vector<double>> TcpPingPong(uint16_t port, int64_t count);

}  // namespace troupe::bench
