#include "support/process_gone.h"

#include <string>

#include "support/read_file.h"

namespace troupe::support {

namespace {

std::string ReadProc(pid_t pid, const char* file) {
  return ReadFile("/proc/" + std::to_string(pid) + "/" + file);
}

}  // namespace

bool ProcessGone(pid_t pid, const std::string& marker) {
  const std::string stat = ReadProc(pid, "stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size() ||
      stat[paren + 2] == 'Z' || stat[paren + 2] == 'X') {
    return true;
  }
  return ReadProc(pid, "cmdline").find(marker) == std::string::npos;
}

}  // namespace troupe::support
