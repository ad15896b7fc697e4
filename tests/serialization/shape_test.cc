#include "serialization/shape.h"

#include <limits>

#include "doctest/doctest.h"

namespace troupe {
namespace {

TEST_SUITE("serialization") {
  TEST_CASE("NumElements multiplies dimensions and refuses bad shapes") {
    CHECK(*NumElements({}) == 1);
    CHECK(*NumElements({2, 3}) == 6);
    CHECK(*NumElements({4, 0, 7}) == 0);
    CHECK(absl::IsInvalidArgument(NumElements({2, -1}).status()));
    int64_t big = std::numeric_limits<int64_t>::max() / 2;
    CHECK(absl::IsInvalidArgument(NumElements({big, 3}).status()));
  }

  TEST_CASE("a zero dimension hides no overflowing product") {
    const int64_t huge = 6148914691236517206;  // 2^64 / 3, rounded.
    CHECK(*NumElements({0, huge}) == 0);
    CHECK(*NumCells({0, huge}) == huge);
    CHECK(absl::IsInvalidArgument(NumElements({0, huge, 2}).status()));
    CHECK(absl::IsInvalidArgument(NumCells({2, 0, huge}).status()));
    CHECK(*NumCells({3, 10000, 10000, 0}) == 300000000);
    CHECK(*NumCells({}) == 1);
    CHECK(absl::IsInvalidArgument(NumCells({1, -2}).status()));
  }

  TEST_CASE("shapes print as TensorFlow prints them") {
    CHECK(ShapeToString({}) == "[]");
    CHECK(ShapeToString({3, 3}) == "[3,3]");
    CHECK(PartialShape({PartialShape::kUnknownDim, 3}).ToString() == "[?,3]");
    CHECK(PartialShape::UnknownRank().ToString() == "<unknown>");
    CHECK(PartialShapesToString({PartialShape{1, 1, 2, 3}}) == "[[1,1,2,3]]");
    CHECK(PartialShapesToString({PartialShape{2}, PartialShape{}}) ==
          "[[2], []]");
    CHECK(PartialShapesToString({}) == "[]");
  }

  TEST_CASE("partial shapes are compatible where known dimensions agree") {
    PartialShape shape{PartialShape::kUnknownDim, 3};
    CHECK(shape.IsCompatibleWith(Shape{5, 3}));
    CHECK_FALSE(shape.IsCompatibleWith(Shape{3, 4}));
    CHECK_FALSE(shape.IsCompatibleWith(Shape{3}));
    CHECK(PartialShape::UnknownRank().IsCompatibleWith(Shape{1, 2, 3}));
    CHECK(shape.IsCompatibleWith(PartialShape{2, PartialShape::kUnknownDim}));
    CHECK_FALSE(shape.IsCompatibleWith(PartialShape{2, 4}));
    CHECK_FALSE(shape.IsFullyDefined());
    CHECK(PartialShape{2, 3}.IsFullyDefined());
  }

  TEST_CASE("a batched partial shape prepends the batch dimension") {
    CHECK(PartialShape{3, 3}.Batched(2).ToString() == "[2,3,3]");
    CHECK(PartialShape{}.Batched(4).ToString() == "[4]");
  }

  TEST_CASE("a dimension below -1 is refused") {
    CHECK(
        ValidatePartialShape(PartialShape{2, PartialShape::kUnknownDim}).ok());
    CHECK(absl::IsInvalidArgument(ValidatePartialShape(PartialShape{2, -5})));
  }
}

}  // namespace
}  // namespace troupe
