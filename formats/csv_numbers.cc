#include "formats/csv_numbers.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace troupe {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

template <class Int>
bool ParseInt(absl::string_view text, Int* value) {
  text = absl::StripAsciiWhitespace(text);
  uint64_t limit = static_cast<uint64_t>(std::numeric_limits<Int>::max());
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    ++limit;
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  uint64_t result = 0;
  for (char c : text) {
    if (!IsDigit(c)) return false;
    result = result * 10 + static_cast<uint64_t>(c - '0');
    if (result > limit) return false;
  }
  if (negative) {
    *value = static_cast<Int>(0 - result);
  } else {
    *value = static_cast<Int>(result);
  }
  return true;
}

enum class Form { kInvalid, kDecimal, kOther };

// Checks the syntax. `*number` is the text without surrounding whitespace
// and, for a decimal, without a leading '+' (std::from_chars takes none).
// kOther is hex, inf or nan, which strtod reads as double-conversion does.
Form Classify(absl::string_view text, absl::string_view* number) {
  text = absl::StripAsciiWhitespace(text);
  *number = text;
  absl::string_view body = text;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    if (body.front() == '+') number->remove_prefix(1);
    body.remove_prefix(1);
  }
  if (absl::EqualsIgnoreCase(body, "inf") ||
      absl::EqualsIgnoreCase(body, "nan")) {
    *number = text;
    return Form::kOther;
  }
  size_t i = 0;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    for (i = 2; i < body.size(); ++i) {
      if (!std::isxdigit(static_cast<unsigned char>(body[i])))
        return Form::kInvalid;
    }
    *number = text;
    return Form::kOther;
  }
  size_t digits = 0;
  while (i < body.size() && IsDigit(body[i])) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && IsDigit(body[i])) ++i, ++digits;
  }
  if (digits == 0) return Form::kInvalid;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < body.size() && IsDigit(body[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return Form::kInvalid;
  }
  return i == body.size() ? Form::kDecimal : Form::kInvalid;
}

// Whether `text` starts as a plain decimal does: a digit or '.', after at
// most a '-'. For such a text std::from_chars accepts exactly what Classify
// calls kDecimal when it reads the whole text.
bool StartsDecimal(absl::string_view text) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  return i < text.size() && (IsDigit(text[i]) || text[i] == '.');
}

template <class Float>
bool ParseFloating(absl::string_view text, Float* value) {
  // The common case in one pass.
  if (StartsDecimal(text)) {
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, *value);
    if (result.ec == std::errc() && result.ptr == end) return true;
  }
  absl::string_view number;
  const Form form = Classify(text, &number);
  if (form == Form::kInvalid) return false;
  if (form == Form::kDecimal) {
    const char* end = number.data() + number.size();
    const auto result = std::from_chars(number.data(), end, *value);
    if (result.ec == std::errc() && result.ptr == end) return true;
    // Out of range: strtod gives ±inf or 0, as double-conversion does.
  }
  const std::string copy(number);
  if constexpr (std::is_same_v<Float, float>) {
    *value = std::strtof(copy.c_str(), nullptr);
  } else {
    *value = std::strtod(copy.c_str(), nullptr);
  }
  return true;
}

template <class Int>
size_t ReadPlainInt(absl::string_view text, Int* value) {
  uint64_t limit = static_cast<uint64_t>(std::numeric_limits<Int>::max());
  const bool negative = !text.empty() && text.front() == '-';
  size_t i = negative ? 1 : 0;
  if (negative) ++limit;
  const size_t first = i;
  uint64_t result = 0;
  for (; i < text.size() && IsDigit(text[i]); ++i) {
    result = result * 10 + static_cast<uint64_t>(text[i] - '0');
    if (result > limit) return 0;
  }
  if (i == first) return 0;
  *value = static_cast<Int>(negative ? 0 - result : result);
  return i;
}

template <class Float>
size_t ReadPlainFloating(absl::string_view text, Float* value) {
  if (!StartsDecimal(text)) return 0;
  const auto result =
      std::from_chars(text.data(), text.data() + text.size(), *value);
  if (result.ec != std::errc()) return 0;
  return static_cast<size_t>(result.ptr - text.data());
}

}  // namespace

bool ParseCsvInt32(absl::string_view text, int32_t* value) {
  return ParseInt(text, value);
}

bool ParseCsvInt64(absl::string_view text, int64_t* value) {
  return ParseInt(text, value);
}

bool ParseCsvFloat(absl::string_view text, float* value) {
  return ParseFloating(text, value);
}

bool ParseCsvDouble(absl::string_view text, double* value) {
  return ParseFloating(text, value);
}

size_t ReadPlainNumber(absl::string_view text, int32_t* value) {
  return ReadPlainInt(text, value);
}

size_t ReadPlainNumber(absl::string_view text, int64_t* value) {
  return ReadPlainInt(text, value);
}

size_t ReadPlainNumber(absl::string_view text, float* value) {
  return ReadPlainFloating(text, value);
}

size_t ReadPlainNumber(absl::string_view text, double* value) {
  return ReadPlainFloating(text, value);
}

}  // namespace troupe
