// `troupe up --cluster FILE`: runs every task of FILE whose host is this
// machine, each as its own `troupe task` process, prefixes their output with
// the task's name, reports a task that exits, and stops them all on SIGINT or
// SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace troupe::cli {

// `self` is argv[0], used to find the `troupe` binary if /proc is missing.
int RunUp(const std::string& self, const std::vector<std::string>& args);

}  // namespace troupe::cli
