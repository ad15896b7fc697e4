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

#include "serialization/utf8.h"

namespace troupe {

namespace {

using nlohmann::json;

// Longest part of nlohmann's message (which may quote the input) kept in ours.
constexpr size_t kMaxParseDetailBytes = 240;
// nlohmann's id for a number beyond the doubles (out_of_range.406).
constexpr int kNumberOverflow = 406;

// Builds a json value from SAX events, as nlohmann's own DOM parser does, but
// refuses nesting deeper than `max_depth` and repeated keys, and keeps the
// text of numbers that would otherwise be read as integers they are not.
class BoundedBuilder : public nlohmann::json_sax<json> {
 public:
  explicit BoundedBuilder(int max_depth) : max_depth_(max_depth) {}

  bool null() override { return Add(nullptr); }
  bool boolean(bool value) override { return Add(value); }
  bool number_integer(number_integer_t value) override { return Add(value); }
  bool number_unsigned(number_unsigned_t value) override { return Add(value); }
  bool number_float(number_float_t value, const string_t& text) override {
    JsonNumberValue exact = ReadJsonNumber(text);
    if (exact.kind == JsonNumberValue::Kind::kInteger && !exact.negative) {
      return Add(static_cast<number_unsigned_t>(exact.magnitude));
    }
    constexpr std::uint64_t kMinInt64Magnitude = std::uint64_t{1} << 63;
    if (exact.kind == JsonNumberValue::Kind::kInteger && exact.magnitude != 0 &&
        exact.magnitude <= kMinInt64Magnitude) {
      // -(magnitude - 1) - 1 stays within int64 for magnitude 2^63.
      return Add(-static_cast<number_integer_t>(exact.magnitude - 1) - 1);
    }
    if ((exact.kind == JsonNumberValue::Kind::kInteger &&
         exact.magnitude == 0) ||
        std::trunc(value) != value) {
      return Add(value);  // -0.0, or a double no integer reader accepts.
    }
    return Add(json::binary(std::vector<std::uint8_t>(text.begin(), text.end()),
                            kJsonNumberTextSubtype));
  }
  bool string(string_t& value) override { return Add(std::move(value)); }
  // JSON text has no binary values; the SAX interface asks for this anyway.
  bool binary(binary_t& /*value*/) override { return false; }

  bool start_object(std::size_t /*elements*/) override {
    return Open(json::object());
  }
  bool key(string_t& key) override {
    json::object_t& object = stack_.back()->get_ref<json::object_t&>();
    auto [it, inserted] = object.emplace(key, nullptr);
    if (!inserted) {
      error_ = absl::StrCat(
          "Repeated key ",
          TruncateUtf8(json(key).dump(-1, ' ', true), kMaxParseDetailBytes),
          " in a JSON object");
      return false;
    }
    member_ = &it->second;
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) override {
    return Open(json::array());
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    // `position` counts the bytes read, the offending one (or the end of the
    // input) included.
    const size_t offset = position > 0 ? position - 1 : 0;
    if (e.id == kNumberOverflow) {
      error_ = absl::StrCat(
          "Value ", TruncateUtf8(ToValidUtf8(token), kMaxParseDetailBytes),
          " is out of range for every dtype (beyond float64; at byte ",
          offset + 1 - std::min(token.size(), position), ")");
      return false;
    }
    // nlohmann's text reads "[json.exception.parse_error.101] parse error at
    // line 1, column 4: <detail>".
    absl::string_view detail = e.what();
    if (size_t colon = detail.find(": "); colon != absl::string_view::npos) {
      detail.remove_prefix(colon + 2);
    }
    error_ =
        absl::StrCat("Malformed JSON at byte ", offset, ": ",
                     TruncateUtf8(ToValidUtf8(detail), kMaxParseDetailBytes));
    return false;
  }

  // The value built, or why the parse stopped.
  absl::StatusOr<json> Finish(bool parsed) && {
    if (parsed) return std::move(root_);
    return absl::InvalidArgumentError(error_.empty() ? "Malformed JSON"
                                                     : error_);
  }

 private:
  // Places `value` where the parser is: the root, the next element of the
  // open array, or the member of the open object whose key came last.
  template <class Value>
  json* Place(Value&& value) {
    if (stack_.empty()) {
      root_ = json(std::forward<Value>(value));
      return &root_;
    }
    json* parent = stack_.back();
    if (parent->is_array()) {
      auto& array = parent->get_ref<json::array_t&>();
      array.emplace_back(std::forward<Value>(value));
      return &array.back();
    }
    *member_ = json(std::forward<Value>(value));
    return member_;
  }

  template <class Value>
  bool Add(Value&& value) {
    Place(std::forward<Value>(value));
    return true;
  }

  bool Open(json container) {
    if (stack_.size() >= static_cast<size_t>(max_depth_)) {
      error_ = absl::StrCat("JSON nested deeper than ", max_depth_, " levels");
      return false;
    }
    stack_.push_back(Place(std::move(container)));
    return true;
  }

  const int max_depth_;
  json root_;
  std::vector<json*> stack_;  // The open arrays and objects, outermost first.
  json* member_ = nullptr;    // Where the open object's next value goes.
  std::string error_;
};

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
  BoundedBuilder builder(max_depth);
  bool parsed = false;
  try {
    parsed = json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("Malformed JSON: ", ToValidUtf8(e.what())));
  }
  return std::move(builder).Finish(parsed);
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
