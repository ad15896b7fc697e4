#include "serialization/json_builder.h"

#include <utility>

namespace troupe {

using nlohmann::json;

bool JsonBuilder::OnKey(string_t& key) {
  member_ = &stack_.back()->get_ref<json::object_t&>()[key];
  return true;
}

json* JsonBuilder::Place(json value) {
  if (stack_.empty()) {
    root_ = std::move(value);
    return &root_;
  }
  json* parent = stack_.back();
  if (parent->is_array()) {
    auto& array = parent->get_ref<json::array_t&>();
    array.push_back(std::move(value));
    return &array.back();
  }
  *member_ = std::move(value);
  return member_;
}

}  // namespace troupe
