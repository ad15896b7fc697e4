// SharedMemoryUse: whether a node passes tensor segments through shared
// memory with the nodes of its own host (README, "Same host: shared memory").
#pragma once

namespace troupe {

// For a client: kLocal when the task's address names this host and the
// task's Unix socket answers in this network namespace, else TCP; kForce:
// the Unix socket or UNAVAILABLE; kOff: TCP always. For a task: kOff does
// not listen on the Unix socket; the others do. TLS turns it off unless
// the node allows it (NodeOptions::shared_memory_with_tls).
enum class SharedMemoryUse { kOff, kLocal, kForce };

}  // namespace troupe
