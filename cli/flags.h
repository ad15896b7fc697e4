// Command-line parsing for the `troupe` subcommands: `--name value`,
// `--name=value`, boolean `--name`, and positional arguments.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace troupe::cli {

struct Flags {
  std::map<std::string, std::string> values;
  std::set<std::string> switches;
  std::vector<std::string> positional;

  bool Has(const std::string& name) const { return values.count(name) > 0; }
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
};

// Parses `args`. `with_value` names the flags that take a value and
// `switches` the boolean ones; any other `--flag` is INVALID_ARGUMENT.
absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args,
                                 const std::set<std::string>& with_value,
                                 const std::set<std::string>& switches);

// True when `args` ask for the subcommand's usage: --help or -h anywhere.
// The subcommand then prints it on stdout and exits 0.
bool WantsHelp(const std::vector<std::string>& args);

// Parses "5s", "100ms", "2m", "1.5s", "inf" (no timeout).
absl::StatusOr<absl::Duration> ParseTimeout(const std::string& text);

// Parses a non-negative int32 such as a task index or a count.
absl::StatusOr<int32_t> ParseCount(const std::string& what,
                                   const std::string& text);

}  // namespace troupe::cli
