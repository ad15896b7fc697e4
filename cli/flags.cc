#include "cli/flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace troupe::cli {

std::string Flags::Get(const std::string& name,
                       const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args,
                                 const std::set<std::string>& with_value,
                                 const std::set<std::string>& switches) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--") || arg == "--") {
      flags.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (switches.count(name) > 0 && !inline_value) {
      flags.switches.insert(name);
    } else if (with_value.count(name) > 0) {
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("Flag --", name, " needs a value"));
        }
        value = args[++i];
      }
      flags.values[name] = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("Unknown flag --", name));
    }
  }
  return flags;
}

bool WantsHelp(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") return true;
  }
  return false;
}

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

}  // namespace troupe::cli
