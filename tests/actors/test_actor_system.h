// What the actor tests share: an actor system configured as a task's (the
// protocol's types, two scheduler threads unless a test says otherwise) and the
// bound on every wait.
#pragma once

#include <chrono>

#include "caf/actor_system_config.hpp"

#include "serialization/protocol.h"

namespace troupe {

// The longest any test waits for one reply.
inline constexpr std::chrono::seconds kBound{10};

struct TestConfig : caf::actor_system_config {
  explicit TestConfig(int scheduler_threads = 2) {
    RegisterProtocol(*this);
    set("scheduler.max-threads", scheduler_threads);
  }
};

}  // namespace troupe
