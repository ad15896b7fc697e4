// The number syntax of decode_csv fields, as TensorFlow's safe_strto32/64
// and safe_strtof/d (double-conversion) accept it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace troupe {

// Integers: optional surrounding whitespace, an optional '-' (no '+'),
// decimal digits; false on anything else or overflow.
bool ParseCsvInt32(absl::string_view text, int32_t* value);
bool ParseCsvInt64(absl::string_view text, int64_t* value);

// Floating point: optional surrounding whitespace, an optional sign, then
// decimal ("1.", ".5", "1e-3"), hex integer ("0x1A") or, in any case, "inf"
// or "nan". Out of range is ±inf or 0, as TensorFlow rounds. False on
// anything else, including text that is only whitespace (TensorFlow reads
// that as 0; decode_csv treats it as missing before asking).
bool ParseCsvFloat(absl::string_view text, float* value);
bool ParseCsvDouble(absl::string_view text, double* value);

// Reads the plain number at the front of `text`: an optional '-', then
// decimal digits and, for floating point, a '.' and an exponent. Returns how
// many characters it read, 0 when the front is not such a number (or is out
// of range). Where the number ends a field, the parsers above read that
// field to the same value; the caller checks that it does.
size_t ReadPlainNumber(absl::string_view text, int32_t* value);
size_t ReadPlainNumber(absl::string_view text, int64_t* value);
size_t ReadPlainNumber(absl::string_view text, float* value);
size_t ReadPlainNumber(absl::string_view text, double* value);

}  // namespace troupe
