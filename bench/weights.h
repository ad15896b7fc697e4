// The variables the checkpoint scenarios (6 and 8) save and restore: float32
// weights_0, weights_1, … on one task, holding pseudo-random bytes.
#pragma once

#include <cstddef>

#include "absl/status/status.h"

#include "cluster/session.h"
#include "cluster/variable.h"

namespace troupe::bench {

// Variable weights_`index` of `bytes` bytes (float32).
VariableOptions Weights(int index, size_t bytes);

// Creates weights_0 … weights_`count - 1`, of `bytes` bytes each, and assigns
// each the bytes of IncompressibleBytes(bytes).
absl::Status AssignWeights(Session& session, int count, size_t bytes);

}  // namespace troupe::bench
