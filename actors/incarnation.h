// A task's incarnation: the number that tells one start of a task from every
// other start on the same address (serialization/task_status.h).
#pragma once

#include <cstdint>

namespace troupe {

// 64 random bits from the kernel's generator (getrandom), never 0 (0 means
// "unknown" to clients). Falls back to std::random_device should getrandom
// fail (only without kernel support).
uint64_t NewIncarnation();

}  // namespace troupe
