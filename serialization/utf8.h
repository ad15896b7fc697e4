// UTF-8 checks for text that leaves a task as JSON: names, string tensors and
// quotations of bad input in error messages.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace troupe {

// True if `s` is well-formed UTF-8 (Unicode table 3-7: no overlong forms,
// surrogates or code points past U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// Returns `s` with U+FFFD in place of each byte that is not part of a
// well-formed UTF-8 sequence.
std::string ToValidUtf8(absl::string_view s);

// Returns `s` cut to at most `max_bytes` on a UTF-8 boundary, with "..." after
// it if it was cut.
std::string TruncateUtf8(std::string s, size_t max_bytes);

}  // namespace troupe
