// The whole contents of a file, for tests and benchmarks that look at what a
// task wrote.
#pragma once

#include <string>

namespace troupe::support {

// The bytes of the file at `path`; empty when it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace troupe::support
