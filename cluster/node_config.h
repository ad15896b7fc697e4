// The actor-system configuration every Troupe node (task or client) starts
// with: protocol types, the I/O module, scheduler size and heartbeats.
#pragma once

#include <chrono>
#include <cstddef>

#include "caf/actor_system_config.hpp"

namespace troupe {

struct NodeOptions {
  // Scheduler threads; the machines this runs on are small.
  size_t scheduler_threads = 2;
  // Every node sends a heartbeat this often and drops a peer it has not heard
  // from for `connection_timeout`. Both must be the same on every node of a
  // cluster, the interval well below the timeout.
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds connection_timeout{4000};
};

// Prepares `config` for a Troupe node. Call before creating the actor system.
void ConfigureNode(caf::actor_system_config& config,
                   const NodeOptions& options = {});

}  // namespace troupe
