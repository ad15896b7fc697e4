// TCP on 127.0.0.1 for tests and benchmarks: ports that are free, and sockets
// connected to or listening on a loopback port.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace troupe::support {

// `count` distinct ports that were free on 127.0.0.1 a moment ago (each was
// bound with port 0, read and closed); fewer if the sockets ran out.
std::vector<uint16_t> FreePorts(size_t count);

// A TCP socket connected to 127.0.0.1:port, or -1.
int ConnectToLoopback(uint16_t port);

// A TCP socket listening on 127.0.0.1 with `backlog` on an ephemeral port,
// which goes to `*port`; or -1.
int ListenOnLoopback(int backlog, uint16_t* port);

}  // namespace troupe::support
