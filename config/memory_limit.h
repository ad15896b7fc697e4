// A task's memory limit: its default (a quarter of the machine's memory) and
// how `--memory-limit` reads it ("4GiB", "512MiB", "64KiB" or plain bytes).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace troupe {

// A quarter of the physical memory, or 1 GiB if the machine does not say.
uint64_t DefaultMemoryLimit();

// Bytes from "N", "NKiB", "NMiB" or "NGiB" (N a whole number >= 1).
// INVALID_ARGUMENT naming the text otherwise.
absl::StatusOr<uint64_t> ParseMemoryLimit(const std::string& text);

}  // namespace troupe
