// ResidentBytes: how much memory this process holds in RAM now, as the
// kernel counts it (/proc/self/statm), for `troupe ctl stats`.
#pragma once

#include <cstdint>

namespace troupe {

// The resident set size in bytes; -1 when the kernel does not tell.
int64_t ResidentBytes();

}  // namespace troupe
