// The options of a Troupe node (task or client), and the actor-system
// configuration it starts with: protocol types, scheduler size and clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "caf/actor_system_config.hpp"

#include "config/memory_limit.h"
#include "config/tls_files.h"
#include "net/shared_memory_use.h"

namespace troupe {

struct NodeOptions {
  // Scheduler threads; the machines this runs on are small.
  size_t scheduler_threads = 2;
  // A task sends a heartbeat this often to a client that waits for replies,
  // and a client drops a task it has not heard from for `connection_timeout`
  // (as a task drops a client that leaves replies or a frame unfinished that
  // long). Both must be the same on every node of a cluster, the interval
  // well below the timeout.
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds connection_timeout{4000};
  // With files, the node speaks mutual TLS and accepts only peers whose
  // certificate the CA signed; every node of a cluster must agree. Check
  // them first with MakeTlsContext (net/tls_stream.h).
  std::optional<TlsFiles> tls;
  // Same host: tensor segments of at least `shared_memory_min_bytes` travel
  // as sealed memfds over the task's Unix socket (net/shared_memory_use.h);
  // with TLS only if `shared_memory_with_tls`, on the task and the client
  // alike: that socket then speaks no TLS, and each side accepts the other
  // only when its process runs as the same effective uid.
  SharedMemoryUse shared_memory = SharedMemoryUse::kLocal;
  uint64_t shared_memory_min_bytes = uint64_t{64} << 10;
  bool shared_memory_with_tls = false;
  // A task's memory limit (`troupe task --memory-limit`): a queue's padded
  // batch past it fails RESOURCE_EXHAUSTED. Clients do not use it.
  uint64_t memory_limit_bytes = DefaultMemoryLimit();
  // A task's data directory (`troupe task --data-dir`), where checkpoints
  // go; empty: its working directory. Clients do not use it.
  std::string data_dir;
  // A task's own checkpoints (cluster/auto_checkpoint.h): a directory inside
  // the data directory (empty: none) and how often (zero: when it stops).
  std::string checkpoint_dir;
  std::chrono::milliseconds checkpoint_every{0};
  // A task's restarts by `troupe up` (TROUPE_RESTARTS), for its status; -1
  // when it runs on its own. Clients do not use it.
  int64_t restarts = -1;
};

// Prepares `config` for a Troupe node. Call before creating the actor system.
void ConfigureNode(caf::actor_system_config& config,
                   const NodeOptions& options = {});

}  // namespace troupe
