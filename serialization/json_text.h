// Reading JSON text into nlohmann::json with a bound on nesting, and with the
// numbers that no 64-bit integer or double holds exactly kept as their text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json_fwd.hpp"

namespace troupe {

// The subtype of the binary values that hold a number's source text.
inline constexpr std::uint8_t kJsonNumberTextSubtype = 0x4e;  // 'N'

// Parses JSON text (RFC 8259, no comments, nothing after the value) without
// building anything nested deeper than `max_depth` arrays and objects (so
// that no later recursion over the value can overflow the stack). Numbers:
//  - an integer that int64 or uint64 holds, also when written as 3.0 or 1e3,
//    is that integer (-0.0 stays the double -0.0, for its sign);
//  - any other number whose double is not integral is that double;
//  - the rest, whose double is integral but whose text is not an exact 64-bit
//    integer (1e20, -9223372036854775809, 9007199254740993.5, 1e-400), is
//    kept as its text in a binary value of subtype kJsonNumberTextSubtype,
//    so that no reader takes it for an integer it is not; JsonNumberText
//    gives it back.
// A JSON object with a repeated key is refused. Returns INVALID_ARGUMENT
// "Malformed JSON at byte N: <what>" (N is the 0-based offset of the offending
// byte, the text's length for a truncated text), "JSON nested deeper than
// <max_depth> levels" or "Repeated key \"k\" in a JSON object". Never throws.
absl::StatusOr<nlohmann::json> ParseBoundedJson(absl::string_view text,
                                                int max_depth);

// If `value` is a number that ParseBoundedJson kept as its text, that text.
std::optional<std::string> JsonNumberText(const nlohmann::json& value);

// The exact value of the text of a JSON number, as far as 64-bit integers go.
struct JsonNumberValue {
  enum class Kind {
    kInteger,       // An integer of `magnitude` (and `negative`).
    kBeyond64Bits,  // An integer too large for int64 and uint64.
    kNotAnInteger,  // Has a non-zero fraction (0.5, 1e-400).
  };
  Kind kind = Kind::kNotAnInteger;
  bool negative = false;
  std::uint64_t magnitude = 0;
};

// Reads the text of a JSON number exactly: "9007199254740993.0" is the
// integer 9007199254740993 and "1.5e1" is 15. The text must match JSON's
// number grammar; anything else is kNotAnInteger.
JsonNumberValue ReadJsonNumber(absl::string_view text);

}  // namespace troupe
