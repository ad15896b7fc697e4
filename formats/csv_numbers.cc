#include "formats/csv_numbers.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

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

// Checks the syntax, and gives the text without surrounding whitespace to
// strtod/strtof, which then read it as double-conversion would.
bool Normalize(absl::string_view text, std::string* out) {
  text = absl::StripAsciiWhitespace(text);
  absl::string_view body = text;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    body.remove_prefix(1);
  }
  if (absl::EqualsIgnoreCase(body, "inf") ||
      absl::EqualsIgnoreCase(body, "nan")) {
    out->assign(text.data(), text.size());
    return true;
  }
  size_t i = 0;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    for (i = 2; i < body.size(); ++i) {
      if (!std::isxdigit(static_cast<unsigned char>(body[i]))) return false;
    }
    out->assign(text.data(), text.size());
    return true;
  }
  size_t digits = 0;
  while (i < body.size() && IsDigit(body[i])) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && IsDigit(body[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < body.size() && IsDigit(body[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  if (i != body.size()) return false;
  out->assign(text.data(), text.size());
  return true;
}

}  // namespace

bool ParseCsvInt32(absl::string_view text, int32_t* value) {
  return ParseInt(text, value);
}

bool ParseCsvInt64(absl::string_view text, int64_t* value) {
  return ParseInt(text, value);
}

bool ParseCsvFloat(absl::string_view text, float* value) {
  std::string normal;
  if (!Normalize(text, &normal)) return false;
  *value = std::strtof(normal.c_str(), nullptr);
  return true;
}

bool ParseCsvDouble(absl::string_view text, double* value) {
  std::string normal;
  if (!Normalize(text, &normal)) return false;
  *value = std::strtod(normal.c_str(), nullptr);
  return true;
}

}  // namespace troupe
