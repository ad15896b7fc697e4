// DType: the element types a Tensor can hold, with TensorFlow's names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe {

enum class DType : uint8_t {
  kInvalid = 0,
  kFloat32,
  kFloat64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUint8,
  kUint16,
  kBool,
  kString,
};

// The last valid DType; values above it are invalid on the wire.
inline constexpr DType kLastDType = DType::kString;

// TensorFlow's spellings, so that its users feel at home.
inline constexpr DType DT_FLOAT = DType::kFloat32;
inline constexpr DType DT_DOUBLE = DType::kFloat64;
inline constexpr DType DT_INT8 = DType::kInt8;
inline constexpr DType DT_INT16 = DType::kInt16;
inline constexpr DType DT_INT32 = DType::kInt32;
inline constexpr DType DT_INT64 = DType::kInt64;
inline constexpr DType DT_UINT8 = DType::kUint8;
inline constexpr DType DT_UINT16 = DType::kUint16;
inline constexpr DType DT_BOOL = DType::kBool;
inline constexpr DType DT_STRING = DType::kString;

// Bytes per element for numeric and bool dtypes; 0 for kString and kInvalid.
size_t DTypeSize(DType dtype);

// TensorFlow's name for `dtype` ("float", "double", "int32", "string", ...),
// the one used in its error messages.
std::string DTypeName(DType dtype);

// Parses a dtype as written on the command line: "float32" or TensorFlow's
// "float", "float64" or "double", "int32", ..., "bool", "string".
absl::StatusOr<DType> ParseDType(absl::string_view name);

// The command-line name of `dtype` ("float32", "float64", "int32", ...).
std::string DTypeCliName(DType dtype);

// Maps a C++ element type to its DType.
template <class T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::kFloat32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::kFloat64;
};
template <>
struct DTypeOf<int8_t> {
  static constexpr DType value = DType::kInt8;
};
template <>
struct DTypeOf<int16_t> {
  static constexpr DType value = DType::kInt16;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = DType::kInt32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = DType::kInt64;
};
template <>
struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::kUint8;
};
template <>
struct DTypeOf<uint16_t> {
  static constexpr DType value = DType::kUint16;
};
template <>
struct DTypeOf<bool> {
  static constexpr DType value = DType::kBool;
};
template <>
struct DTypeOf<std::string> {
  static constexpr DType value = DType::kString;
};

}  // namespace troupe
