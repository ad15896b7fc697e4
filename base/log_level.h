// How much a log line matters (debug < info < warning < error), the
// --log-level flag's spelling of it, and the function a component logs to.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// "debug", "info", "warning" or "error".
const char* LogLevelName(LogLevel level);

// The level `text` names (as LogLevelName spells it); INVALID_ARGUMENT
// otherwise, listing the names.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);

// Where a component sends its log lines, with their level.
using LogSink = std::function<void(LogLevel, const std::string&)>;

}  // namespace troupe
