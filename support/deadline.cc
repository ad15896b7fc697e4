#include "support/deadline.h"

#include <climits>

namespace troupe::support {

int PollMillis(Deadline deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  if (left <= Deadline::duration::zero()) return 0;
  const auto millis =
      std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return millis > INT_MAX ? INT_MAX : static_cast<int>(millis);
}

}  // namespace troupe::support
