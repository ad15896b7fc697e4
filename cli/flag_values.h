// The values of the `troupe` subcommands' flags that CLI11 reads as text:
// durations ("5s", "inf") and counts, each refused with its own message.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace troupe::cli {

// Parses "5s", "100ms", "2m", "1.5s", "inf" (no timeout).
absl::StatusOr<absl::Duration> ParseTimeout(const std::string& text);

// Parses a non-negative int32 such as a task index or a count.
absl::StatusOr<int32_t> ParseCount(const std::string& what,
                                   const std::string& text);

// Parses a count of bytes such as 65536 (CLI11 itself would take "-5" for
// 2^64 - 5).
absl::StatusOr<uint64_t> ParseByteCount(const std::string& what,
                                        const std::string& text);

}  // namespace troupe::cli
