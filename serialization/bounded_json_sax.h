// BoundedJsonSax: nlohmann SAX events past ParseBoundedJson's checks (nesting
// bound, repeated keys, exact numbers), for readers that build no whole DOM.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace troupe {

class BoundedJsonSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit BoundedJsonSax(int max_depth) : max_depth_(max_depth) {}

  bool null() final { return OnScalar(nullptr); }
  bool boolean(bool value) final { return OnScalar(value); }
  bool number_integer(number_integer_t value) final { return OnScalar(value); }
  bool number_unsigned(number_unsigned_t value) final {
    return OnScalar(value);
  }
  bool number_float(number_float_t value, const string_t& text) final;
  bool string(string_t& value) final { return OnString(value); }
  // JSON text has no binary values; the SAX interface asks for this anyway.
  bool binary(binary_t& /*value*/) final { return false; }
  bool start_object(std::size_t /*elements*/) final;
  bool key(string_t& key) final;
  bool end_object() final;
  bool start_array(std::size_t /*elements*/) final;
  bool end_array() final;
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) final;

  // The events that passed the checks. A number comes as ParseBoundedJson
  // (serialization/json_text.h) keeps it. Returning false stops the parse
  // (after Stop, with its status).
  virtual bool OnScalar(nlohmann::json value) = 0;  // null, bool or number
  virtual bool OnString(string_t& value) = 0;
  virtual bool OnKey(string_t& key) = 0;
  virtual bool OnStartObject() = 0;
  virtual bool OnEndObject() = 0;
  virtual bool OnStartArray() = 0;
  virtual bool OnEndArray() = 0;

  // Why the parse stopped (OK if it did not, or stopped without a reason).
  const absl::Status& status() const { return status_; }

 protected:
  // Records why the parse stops; returns false for the event to return.
  bool Stop(absl::Status status);

 private:
  // Opens an array or object unless that nests deeper than max_depth_.
  bool Enter();

  const int max_depth_;
  int depth_ = 0;
  std::vector<std::set<std::string>> keys_;  // Of each open object.
  absl::Status status_;
};

// Runs nlohmann's parser over `text` (RFC 8259, nothing after the value) with
// `sax`: OK, or the INVALID_ARGUMENT that stopped it, as ParseBoundedJson
// words it. Never throws.
absl::Status RunBoundedJsonSax(absl::string_view text, BoundedJsonSax* sax);

}  // namespace troupe
