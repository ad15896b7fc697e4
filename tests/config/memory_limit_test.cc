#include "config/memory_limit.h"

#include "doctest/doctest.h"

namespace troupe {
namespace {

TEST_SUITE("config") {
  TEST_CASE("a memory limit reads bytes with an optional binary unit") {
    CHECK(*ParseMemoryLimit("1048576") == 1048576);
    CHECK(*ParseMemoryLimit("64KiB") == 64 * 1024);
    CHECK(*ParseMemoryLimit("512MiB") == uint64_t{512} << 20);
    CHECK(*ParseMemoryLimit("4GiB") == uint64_t{4} << 30);
    for (const char* bad :
         {"", "0", "-1", "+5", "4GB", "GiB", "1.5GiB",
          "99999999999999999999GiB", "18014398509481984GiB"}) {
      CAPTURE(bad);
      auto parsed = ParseMemoryLimit(bad);
      REQUIRE_FALSE(parsed.ok());
      CHECK(absl::IsInvalidArgument(parsed.status()));
    }
  }
}

}  // namespace
}  // namespace troupe
