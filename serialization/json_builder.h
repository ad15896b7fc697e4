// JsonBuilder: builds an nlohmann::json value from BoundedJsonSax's events,
// as ParseBoundedJson does (and a reader does for one small part of a text).
#pragma once

#include <vector>

#include "nlohmann/json.hpp"

#include "serialization/bounded_json_sax.h"

namespace troupe {

class JsonBuilder : public BoundedJsonSax {
 public:
  explicit JsonBuilder(int max_depth) : BoundedJsonSax(max_depth) {}

  bool OnScalar(nlohmann::json value) override { return Add(std::move(value)); }
  bool OnString(string_t& value) override { return Add(std::move(value)); }
  bool OnKey(string_t& key) override;
  bool OnStartObject() override { return Open(nlohmann::json::object()); }
  bool OnEndObject() override { return Close(); }
  bool OnStartArray() override { return Open(nlohmann::json::array()); }
  bool OnEndArray() override { return Close(); }

  // The value built.
  nlohmann::json Take() && { return std::move(root_); }

 private:
  // Places `value` where the parser is: the root, the next element of the
  // open array, or the member of the open object whose key came last.
  nlohmann::json* Place(nlohmann::json value);
  bool Add(nlohmann::json value) {
    Place(std::move(value));
    return true;
  }
  bool Open(nlohmann::json container) {
    stack_.push_back(Place(std::move(container)));
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  nlohmann::json root_;
  std::vector<nlohmann::json*> stack_;  // Open arrays and objects, outermost
                                        // first.
  nlohmann::json* member_ = nullptr;    // Where the open object's next value
                                        // goes.
};

}  // namespace troupe
