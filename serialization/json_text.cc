#include "serialization/json_text.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

#include "base/status_macros.h"
#include "serialization/json_builder.h"

namespace troupe {

namespace {

using nlohmann::json;

// Reads the decimal digits at the front of `text` into `digits`, and returns
// how many there were.
size_t TakeDigits(absl::string_view text, std::string* digits) {
  size_t n = 0;
  while (n < text.size() &&
         absl::ascii_isdigit(static_cast<unsigned char>(text[n]))) {
    ++n;
  }
  digits->append(text.data(), n);
  return n;
}

}  // namespace

absl::StatusOr<json> ParseBoundedJson(absl::string_view text, int max_depth) {
  JsonBuilder builder(max_depth);
  TROUPE_RETURN_IF_ERROR(RunBoundedJsonSax(text, &builder));
  return std::move(builder).Take();
}

std::optional<std::string> JsonNumberText(const json& value) {
  if (!value.is_binary()) return std::nullopt;
  const json::binary_t& bytes = value.get_binary();
  if (!bytes.has_subtype() || bytes.subtype() != kJsonNumberTextSubtype) {
    return std::nullopt;
  }
  return std::string(bytes.begin(), bytes.end());
}

JsonNumberValue ReadJsonNumber(absl::string_view text) {
  JsonNumberValue result;
  result.negative = !text.empty() && text.front() == '-';
  if (result.negative) text.remove_prefix(1);
  // The value is digits * 10^exponent.
  std::string digits;
  size_t n = TakeDigits(text, &digits);
  if (n == 0) return result;
  text.remove_prefix(n);
  int64_t exponent = 0;
  if (!text.empty() && text.front() == '.') {
    text.remove_prefix(1);
    n = TakeDigits(text, &digits);
    if (n == 0) return result;
    text.remove_prefix(n);
    exponent -= static_cast<int64_t>(n);
  }
  if (!text.empty() && (text.front() == 'e' || text.front() == 'E')) {
    text.remove_prefix(1);
    bool minus = !text.empty() && text.front() == '-';
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
      text.remove_prefix(1);
    }
    std::string exponent_digits;
    n = TakeDigits(text, &exponent_digits);
    if (n == 0) return result;
    text.remove_prefix(n);
    // Beyond a million either way the answer no longer depends on the
    // exponent's exact size: the digits are fewer than the text's bytes.
    int64_t written = 0;
    for (char c : exponent_digits) {
      written = std::min<int64_t>(written * 10 + (c - '0'), int64_t{1} << 40);
    }
    exponent += minus ? -written : written;
  }
  if (!text.empty()) return result;
  // Drop leading zeros, then move trailing zeros into the exponent.
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    result.kind = JsonNumberValue::Kind::kInteger;
    return result;
  }
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  if (exponent < 0) return result;
  if (static_cast<int64_t>(digits.size()) + exponent > 20) {
    result.kind = JsonNumberValue::Kind::kBeyond64Bits;
    return result;
  }
  digits.append(static_cast<size_t>(exponent), '0');
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t magnitude = 0;
  for (char c : digits) {
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (magnitude > (kMax - digit) / 10) {
      result.kind = JsonNumberValue::Kind::kBeyond64Bits;
      return result;
    }
    magnitude = magnitude * 10 + digit;
  }
  result.kind = JsonNumberValue::Kind::kInteger;
  result.magnitude = magnitude;
  return result;
}

}  // namespace troupe
