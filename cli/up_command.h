// `troupe up --cluster FILE [--restart ...]`: runs every task of FILE whose
// host is this machine, each as its own `troupe task` process supervised by
// cli/supervisor.h (restarted when it fails, stopped with up).
#pragma once

#include <string>
#include <vector>

namespace troupe::cli {

// `self` is argv[0], used to find the `troupe` binary if /proc is missing.
int RunUp(const std::string& self, const std::vector<std::string>& args);

}  // namespace troupe::cli
