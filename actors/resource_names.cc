#include "actors/resource_names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

#include "serialization/utf8.h"

namespace troupe {

absl::Status ValidateContainerName(absl::string_view container) {
  if (container.empty()) return absl::OkStatus();
  bool valid = container.size() <= kMaxNameLength;
  for (size_t i = 0; valid && i < container.size(); ++i) {
    char c = container[i];
    bool allowed =
        absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.';
    if (i > 0) allowed = allowed || c == '-' || c == '/' || c == '_';
    valid = allowed;
  }
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("container contains invalid characters: ", container));
}

absl::Status ValidateSharedName(absl::string_view name) {
  if (name.empty())
    return absl::InvalidArgumentError(
        "A shared resource needs a non-empty name");
  if (name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shared_name is longer than ", kMaxNameLength, " characters"));
  }
  if (!IsValidUtf8(name)) {
    return absl::InvalidArgumentError("shared_name is not valid UTF-8");
  }
  if (name[0] == '_') {
    return absl::InvalidArgumentError(
        absl::StrCat("shared_name cannot start with '_':", name));
  }
  for (char c : name) {
    if (absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          "shared_name contains a control character");
    }
  }
  return absl::OkStatus();
}

std::string DeviceSuffix(const std::string& device) {
  absl::string_view rest = device;
  absl::ConsumePrefix(&rest, "/job:");
  std::string suffix(rest);
  const size_t task = suffix.find("/task:");
  if (task != std::string::npos) suffix.replace(task, 6, "-");
  return suffix;
}

}  // namespace troupe
