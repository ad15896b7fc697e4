// Deadlines on the monotonic clock, which bound every wait of the support
// library, and what is left of one as a poll(2) timeout.
#pragma once

#include <chrono>

namespace troupe::support {

using Deadline = std::chrono::steady_clock::time_point;

// Milliseconds left until `deadline`, rounded up so that a poll does not
// return just before it; 0 once it has passed.
int PollMillis(Deadline deadline);

}  // namespace troupe::support
