// VariableSpec: validation, the shared-name check and the wire round trip;
// ShapeFromJson, which reads a variable's --shape.
#include "serialization/variable_spec.h"

#include <limits>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "serialization/resource_info.h"
#include "serialization/tensor_json.h"

namespace troupe {
namespace {

TEST_SUITE("serialization") {
  TEST_CASE(
      "a variable spec needs a valid dtype and a shape without "
      "negative dimensions") {
    CHECK(ValidateVariableSpec({DT_FLOAT, {2}}, "x").ok());
    CHECK(ValidateVariableSpec({DT_STRING, {}}, "x").ok());
    CHECK(ValidateVariableSpec({DT_INT64, {0, 3}}, "x").ok());
    CHECK(ValidateVariableSpec({DType::kInvalid, {2}}, "x").ToString() ==
          "INVALID_ARGUMENT: Variable 'x' has an invalid dtype 0");
    CHECK(
        ValidateVariableSpec({static_cast<DType>(200), {2}}, "x").ToString() ==
        "INVALID_ARGUMENT: Variable 'x' has an invalid dtype 200");
    CHECK(ValidateVariableSpec({DT_FLOAT, {2, -1}}, "x").ToString() ==
          "INVALID_ARGUMENT: Variable 'x': Shape [2,-1] has a negative "
          "dimension");
    const int64_t big = std::numeric_limits<int64_t>::max() / 2;
    CHECK(absl::IsInvalidArgument(
        ValidateVariableSpec({DT_FLOAT, {big, big}}, "x")));
  }

  TEST_CASE(
      "a shared variable must be declared with the same dtype and "
      "shape") {
    CHECK(CheckSharedVariable({DT_FLOAT, {2}}, {DT_FLOAT, {2}}, "x").ok());
    CHECK(
        CheckSharedVariable({DT_FLOAT, {2}}, {DT_INT32, {2}}, "x").ToString() ==
        "INVALID_ARGUMENT: Shared variable 'x' has dtype float but "
        "requested dtype was int32");
    CHECK(CheckSharedVariable({DT_FLOAT, {2}}, {DT_FLOAT, {3, 1}}, "x")
              .ToString() ==
          "INVALID_ARGUMENT: Shared variable 'x' has shape [2] but requested "
          "shape was [3,1]");
    CHECK(
        CheckSharedVariable({DT_FLOAT, {}}, {DT_FLOAT, {1}}, "x").ToString() ==
        "INVALID_ARGUMENT: Shared variable 'x' has shape [] but requested "
        "shape was [1]");
  }

  TEST_CASE(
      "a variable spec and a variable's ResourceInfo round-trip through CAF's "
      "binary format") {
    caf::actor_system_config config;
    caf::actor_system system{config};
    VariableSpec spec{DT_UINT16, {4, 0, 7}};
    ResourceInfo info;
    info.container = "c";
    info.name = "x";
    info.is_variable = true;
    info.variable = spec;
    info.initialized = true;
    std::vector<char> bytes;
    caf::binary_serializer sink{system, bytes};
    REQUIRE(!sink(spec, info));
    VariableSpec spec_back;
    ResourceInfo info_back;
    caf::binary_deserializer source{system, bytes};
    REQUIRE(!source(spec_back, info_back));
    CHECK(source.remaining() == 0);
    CHECK(spec_back == spec);
    CHECK(spec_back != VariableSpec{DT_UINT16, {4, 0}});
    CHECK(info_back.name == "x");
    CHECK(info_back.is_variable);
    CHECK(info_back.variable == spec);
    CHECK(info_back.initialized);
  }

  TEST_CASE("ShapeFromJson reads a fully known shape and refuses the rest") {
    using nlohmann::json;
    CHECK(ShapeFromJson(json::parse("[2,3]")).value() == Shape{2, 3});
    CHECK(ShapeFromJson(json::parse("[]")).value() == Shape{});
    CHECK(ShapeFromJson(json::parse("[0, 3.0]")).value() == Shape{0, 3});
    CHECK(ShapeFromJson(ShapeToJson({7, 1})).value() == Shape{7, 1});
    CHECK(ShapeFromJson(json::parse("[2,null]")).status().ToString() ==
          "INVALID_ARGUMENT: Shape dimension 1: expected a non-negative "
          "integer, got null");
    CHECK(absl::IsInvalidArgument(ShapeFromJson(json::parse("[-1]")).status()));
    CHECK(
        absl::IsInvalidArgument(ShapeFromJson(json::parse("[1.5]")).status()));
    CHECK(
        absl::IsInvalidArgument(ShapeFromJson(json::parse("[[2]]")).status()));
    CHECK(absl::IsInvalidArgument(ShapeFromJson(json::parse("2")).status()));
    CHECK(absl::IsInvalidArgument(
        ShapeFromJson(json::parse("[4294967296, 4294967296]")).status()));
  }
}

}  // namespace
}  // namespace troupe
