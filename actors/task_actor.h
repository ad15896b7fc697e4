// The task actor: the one actor a task publishes. It routes lookup-or-create,
// reset, list, save and restore to the task's container actors, which own
// the resources (TensorFlow's ResourceMgr, as actors).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "caf/fwd.hpp"

#include "actors/checkpoint_store.h"
#include "actors/queue_log_writer.h"
#include "config/data_dir.h"
#include "config/memory_limit.h"
#include "serialization/protocol.h"

namespace troupe {

struct TaskActorOptions {
  // This task's device name, "/job:J/task:T".
  std::string device;
  // Every device of the cluster, this one included.
  std::set<std::string> cluster_devices;
  // "host:port" of every device of the cluster, for `resolve`.
  std::map<std::string, std::string> addresses = {};
  // Most resources one task holds; past it a create fails RESOURCE_EXHAUSTED.
  size_t max_resources = 100000;
  // The most bytes one batched dequeue of a queue may hold or pad to
  // (QueueCore).
  uint64_t memory_limit_bytes = DefaultMemoryLimit();
  // Where checkpoints are written and read; without it save and restore
  // fail FAILED_PRECONDITION.
  CheckpointStoreActor checkpoints = {};
  // Where durable queues write their logs; without it creating one fails
  // FAILED_PRECONDITION.
  QueueLogWriterActor queue_logs = {};
  // Where readers read and tfrecord-write writes; without it both fail
  // FAILED_PRECONDITION (IdentityReader needs none).
  std::optional<DataDir> data_dir = {};
  // How often `troupe up` restarted this task; -1 when it runs on its own.
  int64_t restarts = -1;
};

// Spawns the task actor, a new incarnation (NewIncarnation) of the task.
// Sending it an exit message stops every container of the task, and so every
// resource: their waiting requests fail CANCELLED.
TaskActor SpawnTaskActor(caf::actor_system& system, TaskActorOptions options);

}  // namespace troupe
