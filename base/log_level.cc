#include "base/log_level.h"

#include "absl/strings/str_cat.h"

namespace troupe {

namespace {

constexpr LogLevel kLevels[] = {LogLevel::kDebug, LogLevel::kInfo,
                                LogLevel::kWarning, LogLevel::kError};

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text) {
  for (LogLevel level : kLevels) {
    if (text == LogLevelName(level)) return level;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid --log-level '", text,
                   "'; expected debug, info, warning or error"));
}

}  // namespace troupe
