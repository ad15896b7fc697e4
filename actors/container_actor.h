// A container actor: one per (task, container), the owner of the container's
// queues, variables and readers. Lookup-or-create, list, save, restore and
// reset of a container go through it; the task actor only routes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "actors/queue_log_writer.h"
#include "actors/resource_budget.h"
#include "config/data_dir.h"
#include "serialization/protocol.h"

namespace troupe {

using restorable_atom = caf::atom_constant<caf::atom("restorable")>;

// Names are shared names within the container. A restore's snapshot holds
// only this container's resources; `keep_durable` leaves a durable queue that
// exists as it is (a checkpoint is older than its log).
using ContainerActor = caf::typed_actor<
    caf::replies_to<queue_atom, std::string, QueueSpec>::with<QueueActor,
                                                              QueueSpec, bool>,
    caf::replies_to<lookup_atom, std::string>::with<QueueActor, QueueSpec>,
    caf::replies_to<variable_atom, std::string,
                    VariableSpec>::with<VariableActor, VariableSpec, bool>,
    caf::replies_to<lookup_variable_atom, std::string>::with<VariableActor,
                                                             VariableSpec>,
    caf::replies_to<reader_atom, std::string,
                    ReaderSpec>::with<ReaderActor, ReaderSpec, bool>,
    caf::replies_to<lookup_reader_atom, std::string>::with<ReaderActor,
                                                           ReaderSpec>,
    // Every resource, each describing itself.
    caf::replies_to<list_atom>::with<std::vector<ResourceInfo>>,
    // The variables' values and, when asked (true), the queues' elements.
    caf::replies_to<save_atom, bool>::with<TaskSnapshot>,
    // How many resources restoring the snapshot would create, or the first
    // reason it cannot be restored; changes nothing.
    caf::replies_to<restorable_atom, TaskSnapshot, bool>::with<int64_t>,
    // Creates what the snapshot holds that is missing and overwrites the
    // rest -> tensors restored. REQUIRES: `restorable` said yes, and the
    // task's budget has room for what it creates.
    caf::replies_to<restore_atom, TaskSnapshot, bool>::with<int64_t>,
    // Stops every resource (their waiting requests fail CANCELLED), deletes
    // the durable queues' logs, answers and quits.
    caf::replies_to<reset_atom>::with<caf::ok_atom>>;

struct ContainerOptions {
  // The task's device name, "/job:J/task:T".
  std::string device;
  std::string container;
  // The task's count of resources, shared by its containers.
  std::shared_ptr<ResourceBudget> budget;
  // The most bytes one batched dequeue of a queue may hold or pad to.
  uint64_t memory_limit_bytes = 0;
  // Where durable queues write their logs; none: creating one fails.
  QueueLogWriterActor queue_logs = {};
  // Where readers read; none: they fail FAILED_PRECONDITION.
  std::optional<DataDir> data_dir = {};
  // The task actor, which readers report to.
  TaskActor task = {};
};

// Sending the container an exit message stops every resource in it with the
// same reason.
ContainerActor SpawnContainer(caf::actor_system& system,
                              ContainerOptions options);

// NOT_FOUND "<Kind> '<name>' in container '<container>' on <device> does not
// exist".
absl::Status ResourceNotFound(absl::string_view kind, absl::string_view device,
                              absl::string_view container,
                              absl::string_view name);

// Whether task `device` can create queue `name` of `spec`: INVALID_ARGUMENT
// for a spec no queue can have (ValidateQueueSpec), FAILED_PRECONDITION for a
// durable one when the task keeps no logs (`queue_logs` is none).
absl::Status CheckNewQueue(const std::string& name, const QueueSpec& spec,
                           const QueueLogWriterActor& queue_logs,
                           absl::string_view device);

}  // namespace troupe
