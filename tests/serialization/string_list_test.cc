#include "serialization/string_list.h"

#include <string>
#include <vector>

#include "doctest/doctest.h"

namespace troupe {
namespace {

std::string BytesOf(absl::Span<const char> bytes) {
  return std::string(bytes.data(), bytes.size());
}

TEST_SUITE("serialization") {
  TEST_CASE("string list: strings are packed back to back and read as views") {
    StringList list = {"ab", "", std::string("c\0d", 3)};
    REQUIRE(list.size() == 3);
    CHECK(list[0] == "ab");
    CHECK(list[1].empty());
    CHECK(list[2] == absl::string_view("c\0d", 3));
    CHECK(BytesOf(list.Bytes(0, 3)) == std::string("abc\0d", 5));
    CHECK(BytesOf(list.Bytes(1, 3)) == std::string("c\0d", 3));
    CHECK(list.Bytes(1, 1).empty());

    StringsView tail(&list, 1, 2);
    std::vector<std::string> seen(tail.begin(), tail.end());
    CHECK(seen == std::vector<std::string>{"", std::string("c\0d", 3)});
    CHECK(StringList::Empty(4).size() == 4);
    CHECK(StringList::Empty(4)[3].empty());
  }

  TEST_CASE("string list: adopting wire bytes checks that the lengths fit") {
    auto list = StringList::FromBytes({'a', 'b', 'c'}, {1, 2}, "strings");
    REQUIRE(list.ok());
    CHECK((*list)[0] == "a");
    CHECK((*list)[1] == "bc");
    CHECK(StringList::FromBytes({'a', 'b', 'c'}, {1, 1}, "strings")
              .status()
              .message() == "strings uses 2 bytes of its segment of 3");
    CHECK(StringList::FromBytes({'a'}, {1, ~uint64_t{0}}, "strings")
              .status()
              .message() ==
          "strings has string lengths past the end of its segment of 1 bytes");
  }
}

}  // namespace
}  // namespace troupe
