#include "cli/flag_values.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace troupe::cli {

absl::StatusOr<absl::Duration> ParseTimeout(const std::string& text) {
  if (text == "inf" || text == "none") return absl::InfiniteDuration();
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) ||
      duration < absl::ZeroDuration() || duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid timeout '", text,
                     "'; expected a duration such as 5s, 250ms or 2m, or inf"));
  }
  return duration;
}

absl::StatusOr<int32_t> ParseCount(const std::string& what,
                                   const std::string& text) {
  int32_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid ", what, " '", text, "'; expected a whole number >= 0"));
  }
  return value;
}

absl::StatusOr<uint64_t> ParseByteCount(const std::string& what,
                                        const std::string& text) {
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid ", what, " '", text, "'; expected a count of bytes >= 0"));
  }
  return value;
}

}  // namespace troupe::cli
