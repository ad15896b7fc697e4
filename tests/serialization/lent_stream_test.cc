#include "serialization/lent_stream.h"

#include <istream>
#include <sstream>
#include <string>

#include "doctest/doctest.h"

namespace troupe::wire_internal {
namespace {

TEST_CASE(
    "a stream lent again reads its new buffer, with the last borrower's "
    "failure cleared") {
  std::istream* first = nullptr;
  {
    std::stringbuf empty("");
    LentStream<std::istream> stream(&empty);
    first = &*stream;
    char c = 0;
    CHECK_FALSE((*stream).get(c));
    CHECK((*stream).fail());
  }
  std::stringbuf text("x");
  LentStream<std::istream> stream(&text);
  CHECK(&*stream == first);
  CHECK((*stream).good());
  char c = 0;
  CHECK((*stream).get(c));
  CHECK(c == 'x');
}

TEST_CASE("bodies read inside another on the same thread borrow their own") {
  std::stringbuf outer_text("a");
  std::stringbuf inner_text("b");
  LentStream<std::istream> outer(&outer_text);
  {
    LentStream<std::istream> inner(&inner_text);
    CHECK(&*inner != &*outer);
    char c = 0;
    CHECK((*inner).get(c));
    CHECK(c == 'b');
  }
  char c = 0;
  CHECK((*outer).get(c));
  CHECK(c == 'a');
}

}  // namespace
}  // namespace troupe::wire_internal
