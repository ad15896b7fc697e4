#include "serialization/dtype.h"

#include "doctest/doctest.h"

namespace troupe {
namespace {

TEST_SUITE("serialization") {
  TEST_CASE(
      "every dtype has a size, a TensorFlow name and a command-line name") {
    CHECK(DTypeSize(DType::kFloat32) == 4);
    CHECK(DTypeSize(DType::kFloat64) == 8);
    CHECK(DTypeSize(DType::kInt8) == 1);
    CHECK(DTypeSize(DType::kUint16) == 2);
    CHECK(DTypeSize(DType::kInt64) == 8);
    CHECK(DTypeSize(DType::kBool) == 1);
    CHECK(DTypeSize(DType::kString) == 0);
    CHECK(DTypeName(DType::kFloat32) == "float");
    CHECK(DTypeName(DType::kFloat64) == "double");
    CHECK(DTypeName(DType::kInt32) == "int32");
    CHECK(DTypeCliName(DType::kFloat32) == "float32");
  }

  TEST_CASE("dtypes parse from both spellings and round-trip") {
    CHECK(*ParseDType("float") == DType::kFloat32);
    CHECK(*ParseDType("double") == DType::kFloat64);
    for (int i = 1; i <= static_cast<int>(kLastDType); ++i) {
      auto dtype = static_cast<DType>(i);
      auto parsed = ParseDType(DTypeCliName(dtype));
      REQUIRE(parsed.ok());
      CHECK(*parsed == dtype);
    }
  }

  TEST_CASE("an unknown dtype name is INVALID_ARGUMENT naming it") {
    auto parsed = ParseDType("float16");
    CHECK(absl::IsInvalidArgument(parsed.status()));
    CHECK(parsed.status().message().find("float16") != absl::string_view::npos);
  }
}

}  // namespace
}  // namespace troupe
