// The typed handles of users' own actors over Troupe's wire: a local actor
// per handle that takes the resource's typed requests (QueueActor,
// VariableActor or ReaderActor) and sends each as a frame on the session's
// connection to the resource's task; the client's reader thread answers it
// when the reply comes back. Private to cluster/.
#pragma once

#include <cstdint>
#include <memory>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "net/wire_client.h"

namespace troupe::internal {

// An actor that stands for resource `resource_id` on `client`'s task; cast it
// to the resource's typed handle. It lives while handles to it do; requests
// it sent are answered also after it is gone. When the connection is lost,
// every request still waiting fails UNAVAILABLE and the proxy exits with
// exit_reason::remote_link_unreachable, as the proxy of a lost CAF node did,
// so that monitors see it go.
caf::actor SpawnHandleProxy(caf::actor_system& system,
                            std::shared_ptr<WireClient> client,
                            uint64_t resource_id);

}  // namespace troupe::internal
