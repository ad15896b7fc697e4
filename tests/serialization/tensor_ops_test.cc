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

  TEST_CASE("Concat joins the values of its parts under a new shape") {
    auto batch = Tensor::FromVector<float>({3, 2}, {1, 2, 3, 4, 5, 6});
    std::vector<Tensor> parts = {batch.Rows(1, 2),
                                 Tensor::FromVector<float>({2}, {7, 8})};
    CHECK(Concat(parts, DType::kFloat32, {3, 2}) ==
          Tensor::FromVector<float>({3, 2}, {3, 4, 5, 6, 7, 8}));
    CHECK(Concat({}, DType::kFloat32, {0, 2}).shape() == Shape{0, 2});
    auto words = Tensor::FromStrings({3}, {"a", "b", "c"});
    std::vector<Tensor> word_parts = {words.Rows(1, 2), words.Rows(0, 1)};
    CHECK(Concat(word_parts, DType::kString, {3}) ==
          Tensor::FromStrings({3}, {"b", "c", "a"}));
  }
}

}  // namespace
}  // namespace troupe
