#include "config/memory_limit.h"

#include <unistd.h>

#include <limits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace troupe {

uint64_t DefaultMemoryLimit() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return uint64_t{1} << 30;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) / 4;
}

absl::StatusOr<uint64_t> ParseMemoryLimit(const std::string& text) {
  absl::string_view number = text;
  uint64_t unit = 1;
  for (const auto& [suffix, size] :
       {std::pair<absl::string_view, uint64_t>{"KiB", uint64_t{1} << 10},
        {"MiB", uint64_t{1} << 20},
        {"GiB", uint64_t{1} << 30}}) {
    if (absl::ConsumeSuffix(&number, suffix)) {
      unit = size;
      break;
    }
  }
  uint64_t count = 0;
  if (number.empty() || number.front() == '+' ||
      !absl::SimpleAtoi(number, &count) || count == 0 ||
      count > std::numeric_limits<uint64_t>::max() / unit) {
    return absl::InvalidArgumentError(
        absl::StrCat("--memory-limit must be a number of bytes >= 1, with an "
                     "optional KiB, MiB or GiB, e.g. 4GiB; got '",
                     text, "'"));
  }
  return count * unit;
}

}  // namespace troupe
