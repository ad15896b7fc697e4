// `troupe task --cluster FILE --job JOB --task INDEX`: serves one task until
// SIGINT or SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace troupe::cli {

// Runs the command; returns the process exit status (2: bad cluster spec or
// flags, 1: the task could not start).
int RunTask(const std::vector<std::string>& args);

}  // namespace troupe::cli
