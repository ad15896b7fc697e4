// Unit tests for cli/flag_values.h: durations and counts given as flags.
#include "cli/flag_values.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"

namespace troupe::cli {
namespace {

TEST_CASE("flag values: a timeout is a duration, or inf for none") {
  CHECK(*ParseTimeout("5s") == absl::Seconds(5));
  CHECK(*ParseTimeout("250ms") == absl::Milliseconds(250));
  CHECK(*ParseTimeout("1.5s") == absl::Milliseconds(1500));
  CHECK(*ParseTimeout("inf") == absl::InfiniteDuration());
  CHECK(*ParseTimeout("none") == absl::InfiniteDuration());
  for (const std::string bad : {"soon", "5", "-1s", ""}) {
    absl::StatusOr<absl::Duration> timeout = ParseTimeout(bad);
    CHECK(absl::IsInvalidArgument(timeout.status()));
    CHECK(absl::StrContains(timeout.status().message(), "'" + bad + "'"));
  }
}

TEST_CASE("flag values: a count is a whole number >= 0") {
  CHECK(*ParseCount("count", "0") == 0);
  CHECK(*ParseCount("count", "2147483647") == 2147483647);
  for (const std::string bad : {"-1", "1.5", "x", "2147483648", ""}) {
    absl::StatusOr<int32_t> count = ParseCount("task index", bad);
    CHECK(absl::IsInvalidArgument(count.status()));
    CHECK(absl::StrContains(count.status().message(),
                            "Invalid task index '" + bad + "'"));
  }
}

}  // namespace
}  // namespace troupe::cli
