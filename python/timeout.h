// The `timeout=` argument of the blocking calls: seconds as a float, None for
// no timeout, as absl::Duration.
#pragma once

#include <optional>

#include "absl/time/time.h"

namespace troupe::python {

// absl::InfiniteDuration() for no timeout; ValueError for a negative or NaN
// number of seconds.
absl::Duration TimeoutFromSeconds(std::optional<double> seconds);

}  // namespace troupe::python
