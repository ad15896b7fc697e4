#include "serialization/protocol.h"

#include "caf/actor_system_config.hpp"

namespace troupe {

void RegisterProtocol(caf::actor_system_config& config) {
  // Also registers Tuple, as "std::vector<troupe.Tensor>".
  config.add_message_type<Tensor>("troupe.Tensor");
  // Under the name it already has, for std::vector<Tuple> (coalesced singles).
  config.add_message_type<Tuple>("std::vector<troupe.Tensor>");
  config.add_message_type<PartialShape>("troupe.PartialShape");
  config.add_message_type<QueueSpec>("troupe.QueueSpec");
  config.add_message_type<ResourceInfo>("troupe.ResourceInfo");
  config.add_message_type<TaskStatus>("troupe.TaskStatus");
  config.add_message_type<QueueActor>("troupe.QueueActor");
  config.add_message_type<TaskActor>("troupe.TaskActor");
  // Variables.
  config.add_message_type<VariableSpec>("troupe.VariableSpec");
  config.add_message_type<VariableActor>("troupe.VariableActor");
  // Readers.
  config.add_message_type<ReaderSpec>("troupe.ReaderSpec");
  config.add_message_type<ReaderActor>("troupe.ReaderActor");
  // Checkpoints.
  config.add_message_type<CheckpointInfo>("troupe.CheckpointInfo");
  config.add_message_type<std::vector<CheckpointInfo>>(
      "std::vector<troupe.CheckpointInfo>");
  // Queue runners.
  config.add_message_type<RunnerCall>("troupe.RunnerCall");
  config.add_message_type<RunnerStatus>("troupe.RunnerStatus");
}

}  // namespace troupe
