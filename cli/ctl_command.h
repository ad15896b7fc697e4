// `troupe ctl`: the operator's and the shell's client. One command per call,
// one line of JSON on stdout; errors as `CODE: message` on stderr, exit 1.
#pragma once

#include <string>
#include <vector>

namespace troupe::cli {

int RunCtl(const std::vector<std::string>& args);

}  // namespace troupe::cli
