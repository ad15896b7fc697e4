// The variable actor: serves VariableActor's messages (serialization/
// protocol.h), TensorFlow's ref variable with assign, assign_add, assign_sub
// and read. A variable never waits, so every request is answered at once.
#pragma once

#include <string>

#include "caf/fwd.hpp"

#include "serialization/protocol.h"

namespace troupe {

// Spawns a variable shared as `name`, uninitialized until its first assign.
// REQUIRES: ValidateVariableSpec(spec, name).ok(). Any exit message (a reset
// or the task's shutdown) stops it; there are no waiting requests to cancel.
//
// Values are never copied: assign keeps the incoming tensor's (immutable,
// shared) buffer and read replies with it; only assign_add and assign_sub
// allocate, one new buffer for the result.
VariableActor SpawnVariable(caf::actor_system& system, std::string name,
                            VariableSpec spec);

}  // namespace troupe
