// What CAF prints on its own (aout: "*** unexpected message", unhandled down
// messages and exceptions) sent to a log function instead of stdout.
#pragma once

#include <functional>
#include <string>

#include "caf/fwd.hpp"

namespace troupe {

// From now on, every line `system` prints through its printer goes to `log`
// (without its newline, on one of CAF's threads), never to stdout, where the
// printer's thread would wait on a pipe nobody reads and hold up the actor
// system's shutdown. Returns the hidden actor that passes the lines on: send
// it an exit before the system shuts down.
caf::actor RouteCafOutput(caf::actor_system& system,
                          std::function<void(const std::string&)> log);

}  // namespace troupe
