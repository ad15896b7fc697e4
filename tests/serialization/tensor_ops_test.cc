#include "serialization/tensor_ops.h"

#include "doctest/doctest.h"

namespace troupe {
namespace {

TEST_SUITE("serialization") {
  TEST_CASE(
      "Stack puts elements one after another under a new first dimension") {
    std::vector<Tensor> rows = {Tensor::FromVector<float>({2}, {1, 2}),
                                Tensor::FromVector<float>({2}, {3, 4})};
    Tensor batch = Stack(rows, DType::kFloat32, {2});
    CHECK(batch == Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4}));
    Tensor empty = Stack({}, DType::kInt32, {3});
    CHECK(empty.shape() == Shape{0, 3});
    std::vector<Tensor> words = {Tensor::FromStrings({}, {"a"}),
                                 Tensor::FromStrings({}, {"b"})};
    CHECK(Stack(words, DType::kString, {}) ==
          Tensor::FromStrings({2}, {"a", "b"}));
  }

  TEST_CASE("UnstackTuple splits every component along its first dimension") {
    Tuple batches = {Tensor::FromVector<int32_t>({3}, {10, 11, 12}),
                     Tensor::FromVector<float>({3, 2}, {1, 2, 3, 4, 5, 6})};
    std::vector<Tuple> elements = UnstackTuple(batches);
    REQUIRE(elements.size() == 3);
    CHECK(elements[2][0] == Tensor::Scalar<int32_t>(12));
    CHECK(elements[1][1] == Tensor::FromVector<float>({2}, {3, 4}));
  }
}

}  // namespace
}  // namespace troupe
