#include "serialization/bounded_json_sax.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"

#include "serialization/json_text.h"
#include "serialization/utf8.h"

namespace troupe {

namespace {

using nlohmann::json;

// Longest part of nlohmann's message (which may quote the input) kept in ours.
constexpr size_t kMaxParseDetailBytes = 240;
// nlohmann's id for a number beyond the doubles (out_of_range.406).
constexpr int kNumberOverflow = 406;

}  // namespace

bool BoundedJsonSax::number_float(number_float_t value, const string_t& text) {
  JsonNumberValue exact = ReadJsonNumber(text);
  if (exact.kind == JsonNumberValue::Kind::kInteger && !exact.negative) {
    return OnScalar(static_cast<number_unsigned_t>(exact.magnitude));
  }
  constexpr std::uint64_t kMinInt64Magnitude = std::uint64_t{1} << 63;
  if (exact.kind == JsonNumberValue::Kind::kInteger && exact.magnitude != 0 &&
      exact.magnitude <= kMinInt64Magnitude) {
    // -(magnitude - 1) - 1 stays within int64 for magnitude 2^63.
    return OnScalar(-static_cast<number_integer_t>(exact.magnitude - 1) - 1);
  }
  if ((exact.kind == JsonNumberValue::Kind::kInteger && exact.magnitude == 0) ||
      std::trunc(value) != value) {
    return OnScalar(value);  // -0.0, or a double no integer reader accepts.
  }
  return OnScalar(
      json::binary(std::vector<std::uint8_t>(text.begin(), text.end()),
                   kJsonNumberTextSubtype));
}

bool BoundedJsonSax::start_object(std::size_t /*elements*/) {
  if (!Enter()) return false;
  keys_.emplace_back();
  return OnStartObject();
}

bool BoundedJsonSax::key(string_t& key) {
  if (!keys_.back().insert(key).second) {
    return Stop(absl::InvalidArgumentError(absl::StrCat(
        "Repeated key ",
        TruncateUtf8(json(key).dump(-1, ' ', true), kMaxParseDetailBytes),
        " in a JSON object")));
  }
  return OnKey(key);
}

bool BoundedJsonSax::end_object() {
  keys_.pop_back();
  --depth_;
  return OnEndObject();
}

bool BoundedJsonSax::start_array(std::size_t /*elements*/) {
  if (!Enter()) return false;
  return OnStartArray();
}

bool BoundedJsonSax::end_array() {
  --depth_;
  return OnEndArray();
}

bool BoundedJsonSax::parse_error(std::size_t position, const std::string& token,
                                 const nlohmann::detail::exception& e) {
  // `position` counts the bytes read, the offending one (or the end of the
  // input) included.
  const size_t offset = position > 0 ? position - 1 : 0;
  if (e.id == kNumberOverflow) {
    return Stop(absl::InvalidArgumentError(absl::StrCat(
        "Value ", TruncateUtf8(ToValidUtf8(token), kMaxParseDetailBytes),
        " is out of range for every dtype (beyond float64; at byte ",
        offset + 1 - std::min(token.size(), position), ")")));
  }
  // nlohmann's text reads "[json.exception.parse_error.101] parse error at
  // line 1, column 4: <detail>".
  absl::string_view detail = e.what();
  if (size_t colon = detail.find(": "); colon != absl::string_view::npos) {
    detail.remove_prefix(colon + 2);
  }
  return Stop(absl::InvalidArgumentError(
      absl::StrCat("Malformed JSON at byte ", offset, ": ",
                   TruncateUtf8(ToValidUtf8(detail), kMaxParseDetailBytes))));
}

bool BoundedJsonSax::Stop(absl::Status status) {
  status_ = std::move(status);
  return false;
}

bool BoundedJsonSax::Enter() {
  if (depth_ >= max_depth_) {
    return Stop(absl::InvalidArgumentError(
        absl::StrCat("JSON nested deeper than ", max_depth_, " levels")));
  }
  ++depth_;
  return true;
}

absl::Status RunBoundedJsonSax(absl::string_view text, BoundedJsonSax* sax) {
  bool parsed = false;
  try {
    parsed = json::sax_parse(text.begin(), text.end(), sax);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("Malformed JSON: ", ToValidUtf8(e.what())));
  }
  if (parsed) return absl::OkStatus();
  if (sax->status().ok()) return absl::InvalidArgumentError("Malformed JSON");
  return sax->status();
}

}  // namespace troupe
