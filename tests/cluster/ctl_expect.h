// Expectations on `troupe ctl` runs for the process-level tests: one line of
// JSON on success, `CODE: message` and exit status 1 on failure.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "tests/cluster/task_process.h"

namespace troupe::testing {

#define REQUIRE_CLUSTER(cluster) \
  REQUIRE_MESSAGE((cluster).ready(), (cluster).Describe())

// Runs `troupe ctl --target TARGET ARGS...`, requires exit status 0 and one
// line of stdout, and returns that line.
inline std::string CtlLine(const std::string& target,
                           const std::vector<std::string>& args,
                           const std::string& input = "") {
  CommandResult result = RunCtl(target, args, input);
  INFO("troupe ctl ", absl::StrJoin(args, " "), ": ", result.Describe());
  REQUIRE(result.exit_code == 0);
  REQUIRE(CommandResult::Lines(result.out).size() == 1);
  CHECK(result.err.empty());
  return CommandResult::Lines(result.out)[0];
}

// CtlLine, parsed as JSON.
inline nlohmann::json CtlJson(const std::string& target,
                              const std::vector<std::string>& args,
                              const std::string& input = "") {
  std::string line = CtlLine(target, args, input);
  nlohmann::json value =
      nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  INFO("output: ", line);
  REQUIRE_FALSE(value.is_discarded());
  return value;
}

// Runs ctl expecting failure: exit status 1, nothing on stdout, and a first
// stderr line "CODE: ..." containing `text`.
inline void CtlFails(const std::string& target,
                     const std::vector<std::string>& args,
                     const std::string& code, const std::string& text,
                     const std::string& input = "") {
  CommandResult result = RunCtl(target, args, input);
  INFO("troupe ctl ", absl::StrJoin(args, " "), ": ", result.Describe());
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(absl::StartsWith(result.FirstErrLine(), code + ": "));
  CHECK(absl::StrContains(result.FirstErrLine(), text));
}

}  // namespace troupe::testing
