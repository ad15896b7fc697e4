// The connection proxy: the actor that stands for one wire connection on its
// task. It turns each request into a message to the task actor or to a
// resource and each reply into a frame; resources see it as the requester,
// so its exit, when the connection closes, withdraws the requests of that
// connection that still wait.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "caf/actor.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/fwd.hpp"

#include "net/server_connection.h"
#include "serialization/protocol.h"
#include "serialization/wire_messages.h"

namespace troupe {

// One decoded request, as the I/O thread hands it to the proxy.
struct WireCall {
  uint64_t request_id = 0;
  Message message;
};

// A request names its resource by an id that the reply to its lookup handed
// out: unique within the task's incarnation, valid on the connection that
// looked the resource up.
using ResourceIdSource = std::shared_ptr<std::atomic<uint64_t>>;

caf::actor SpawnConnectionProxy(caf::actor_system& system, TaskActor task,
                                std::shared_ptr<ServerConnection> connection,
                                ResourceIdSource ids);

}  // namespace troupe

// A WireCall never leaves its process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::WireCall)
