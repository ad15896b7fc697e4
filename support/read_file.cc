#include "support/read_file.h"

#include <fstream>
#include <iterator>

namespace troupe::support {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file),
                     std::istreambuf_iterator<char>());
}

}  // namespace troupe::support
