#include "serialization/dtype.h"

#include "absl/strings/str_cat.h"

namespace troupe {

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return 4;
    case DType::kFloat64:
      return 8;
    case DType::kInt8:
      return 1;
    case DType::kInt16:
      return 2;
    case DType::kInt32:
      return 4;
    case DType::kInt64:
      return 8;
    case DType::kUint8:
      return 1;
    case DType::kUint16:
      return 2;
    case DType::kBool:
      return 1;
    case DType::kString:
    case DType::kInvalid:
      return 0;
  }
  return 0;
}

std::string DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float";
    case DType::kFloat64:
      return "double";
    case DType::kString:
      return "string";
    default:
      return DTypeCliName(dtype);
  }
}

std::string DTypeCliName(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
    case DType::kInt8:
      return "int8";
    case DType::kInt16:
      return "int16";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
    case DType::kUint8:
      return "uint8";
    case DType::kUint16:
      return "uint16";
    case DType::kBool:
      return "bool";
    case DType::kString:
      return "string";
    case DType::kInvalid:
      break;
  }
  return absl::StrCat("invalid dtype ", static_cast<int>(dtype));
}

absl::StatusOr<DType> ParseDType(absl::string_view name) {
  if (name == "float") return DType::kFloat32;
  if (name == "double") return DType::kFloat64;
  for (int i = 1; i <= static_cast<int>(kLastDType); ++i) {
    auto dtype = static_cast<DType>(i);
    if (name == DTypeCliName(dtype)) return dtype;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "Unknown dtype '", name,
      "'; expected one of float32, float64, int8, int16, int32, int64, uint8, "
      "uint16, bool, string"));
}

}  // namespace troupe
