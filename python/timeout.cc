// Conversion of the `timeout=` argument.
#include "python/timeout.h"

#include <cmath>
#include <pybind11/pybind11.h>

namespace troupe::python {

absl::Duration TimeoutFromSeconds(std::optional<double> seconds) {
  if (!seconds.has_value()) return absl::InfiniteDuration();
  if (std::isnan(*seconds) || *seconds < 0) {
    throw pybind11::value_error(
        "timeout must be None or a number of seconds >= 0");
  }
  // absl::Seconds saturates at an infinite duration.
  return absl::Seconds(*seconds);
}

}  // namespace troupe::python
