// Shared names of resources created without one.
#include "python/unique_name.h"

#include <atomic>
#include <cstdint>
#include <random>

#include "absl/strings/str_cat.h"

namespace troupe::python {

std::string UniqueSharedName(const std::string& prefix) {
  static const uint64_t process_tag = [] {
    std::random_device device;
    return (uint64_t{device()} << 32) | device();
  }();
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(prefix, "_", absl::Hex(process_tag), "_", counter++);
}

}  // namespace troupe::python
