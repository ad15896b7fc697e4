#include "serialization/tensor.h"

#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "doctest/doctest.h"

namespace troupe {
namespace {

// Writes `tensor` with CAF's binary serializer and reads it back.
Tensor RoundTrip(caf::actor_system& system, Tensor tensor) {
  std::vector<char> buffer;
  caf::binary_serializer sink{system, buffer};
  REQUIRE(!inspect(sink, tensor));
  caf::binary_deserializer source{system, buffer};
  Tensor result;
  REQUIRE(!inspect(source, result));
  CHECK(source.remaining() == 0);
  return result;
}

TEST_SUITE("serialization") {
  TEST_CASE("a tensor holds its values and copying shares the buffer") {
    auto t = Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4});
    CHECK(t.dtype() == DType::kFloat32);
    CHECK(t.shape() == Shape{2, 2});
    CHECK(t.num_elements() == 4);
    CHECK(t.byte_size() == 16);
    Tensor copy = t;
    CHECK(copy.data() == t.data());
    CHECK(copy.flat<float>()[3] == 4.0f);
    CHECK(t.CheckValid().ok());
  }

  TEST_CASE("a slice shares the buffer and sees its own elements") {
    auto t = Tensor::FromVector<int32_t>({3, 2}, {1, 2, 3, 4, 5, 6});
    Tensor row = t.Slice(1);
    CHECK(row.shape() == Shape{2});
    CHECK(row.flat<int32_t>()[0] == 3);
    CHECK(row.flat<int32_t>()[1] == 4);
    CHECK(row.data() == t.data() + 2 * sizeof(int32_t));
    auto s = Tensor::FromStrings({3}, {"a", "bb", "ccc"});
    CHECK(s.Slice(2).strings()[0] == "ccc");
    CHECK(s.Slice(2).shape().empty());
  }

  TEST_CASE("a row range shares the buffer and keeps the first dimension") {
    auto t = Tensor::FromVector<int32_t>({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    Tensor rows = t.Rows(1, 2);
    CHECK(rows.shape() == Shape{2, 2});
    CHECK(rows.num_elements() == 4);
    CHECK(rows.byte_size() == 16);
    CHECK(rows.data() == t.data() + 2 * sizeof(int32_t));
    CHECK(rows == Tensor::FromVector<int32_t>({2, 2}, {3, 4, 5, 6}));
    CHECK(rows.CheckValid().ok());
    CHECK(rows.Slice(1) == Tensor::FromVector<int32_t>({2}, {5, 6}));
    CHECK(rows.Rows(1, 1).data() == t.data() + 4 * sizeof(int32_t));
    CHECK(t.Rows(4, 0).shape() == Shape{0, 2});
    CHECK(t.Rows(4, 0).byte_size() == 0);
    auto s = Tensor::FromStrings({3}, {"a", "bb", "ccc"});
    CHECK(s.Rows(1, 2) == Tensor::FromStrings({2}, {"bb", "ccc"}));
    auto empty_rows = Tensor::FromVector<float>({2, 0}, {});
    CHECK(empty_rows.Rows(1, 1).shape() == Shape{1, 0});
  }

  TEST_CASE("a tensor viewed as a batch of one shares the buffer") {
    auto t = Tensor::FromVector<float>({2}, {1, 2});
    Tensor batch = t.AsBatchOfOne();
    CHECK(batch.shape() == Shape{1, 2});
    CHECK(batch.data() == t.data());
    CHECK(batch.CheckValid().ok());
    CHECK(batch.Slice(0) == t);
    Tensor row = Tensor::FromVector<float>({3, 2}, {1, 2, 3, 4, 5, 6}).Slice(2);
    CHECK(row.AsBatchOfOne() == Tensor::FromVector<float>({1, 2}, {5, 6}));
    CHECK(row.AsBatchOfOne().CheckValid().ok());
    CHECK(Tensor::Scalar<int64_t>(7).AsBatchOfOne() ==
          Tensor::FromVector<int64_t>({1}, {7}));
  }

  TEST_CASE("scalars and zeros") {
    auto scalar = Tensor::Scalar<int64_t>(42);
    CHECK(scalar.shape().empty());
    CHECK(scalar.flat<int64_t>()[0] == 42);
    auto zeros = Tensor::Zeros(DType::kString, {2});
    CHECK(zeros.strings()[1].empty());
    auto fzeros = Tensor::Zeros(DType::kFloat64, {3});
    CHECK(fzeros.flat<double>()[2] == 0.0);
  }

  TEST_CASE("equality compares dtype, shape and contents") {
    auto a = Tensor::FromVector<float>({2}, {1, 2});
    CHECK(a == Tensor::FromVector<float>({2}, {1, 2}));
    CHECK(a != Tensor::FromVector<float>({2}, {1, 3}));
    CHECK(a != Tensor::FromVector<float>({1, 2}, {1, 2}));
    CHECK(a != Tensor::FromVector<int32_t>({2}, {1, 2}));
  }

  TEST_CASE("CheckValid refuses a byte count that does not match the shape") {
    CHECK(absl::IsInvalidArgument(
        Tensor::FromBytes(DType::kFloat32, {3}, std::vector<char>(8))
            .CheckValid()));
    CHECK(absl::IsInvalidArgument(
        Tensor::FromBytes(DType::kFloat32, {-1}, std::vector<char>(4))
            .CheckValid()));
    CHECK(
        absl::IsInvalidArgument(Tensor::FromStrings({3}, {"a"}).CheckValid()));
    CHECK(absl::IsInvalidArgument(
        Tensor::FromBytes(static_cast<DType>(99), {1}, std::vector<char>(4))
            .CheckValid()));
    int64_t huge = int64_t{1} << 40;
    CHECK(absl::IsInvalidArgument(
        Tensor::FromBytes(DType::kInt8, {huge, huge}, std::vector<char>(1))
            .CheckValid()));
  }

  TEST_CASE("tensors of every dtype survive CAF's binary serializer") {
    caf::actor_system_config config;
    caf::actor_system system{config};
    std::vector<Tensor> tensors = {
        Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6}),
        Tensor::FromVector<double>({1}, {3.25}),
        Tensor::FromVector<int8_t>({2}, {-1, 7}),
        Tensor::FromVector<int16_t>({2}, {-300, 300}),
        Tensor::FromVector<int32_t>({}, {5}),
        Tensor::FromVector<int64_t>({2}, {int64_t{1} << 40, -2}),
        Tensor::FromVector<uint8_t>({3}, {0, 128, 255}),
        Tensor::FromVector<uint16_t>({1}, {65535}),
        Tensor::FromVector<bool>({2}, {true, false}),
        Tensor::FromStrings({2}, {"", "hello"}),
        Tensor::FromVector<float>({0, 2}, {}),
    };
    for (const Tensor& tensor : tensors) {
      Tensor back = RoundTrip(system, tensor);
      CHECK(back == tensor);
      CHECK(back.CheckValid().ok());
    }
    auto batch = Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4});
    CHECK(RoundTrip(system, batch.Slice(1)) ==
          Tensor::FromVector<float>({2}, {3, 4}));
  }

  TEST_CASE("a corrupt length on the wire is refused before allocating") {
    caf::actor_system_config config;
    caf::actor_system system{config};
    std::vector<char> buffer;
    caf::binary_serializer sink{system, buffer};
    uint8_t dtype = static_cast<uint8_t>(DType::kFloat32);
    Shape shape{1};
    size_t claimed = size_t{1} << 30;  // CAF 0.17 encodes lengths as 32 bits.
    REQUIRE(!sink(dtype, shape));
    REQUIRE(!sink.begin_sequence(claimed));
    caf::binary_deserializer source{system, buffer};
    Tensor result;
    CHECK(static_cast<bool>(inspect(source, result)));
  }
}

}  // namespace
}  // namespace troupe
