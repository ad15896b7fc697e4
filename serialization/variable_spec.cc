#include "serialization/variable_spec.h"

#include "absl/strings/str_cat.h"

namespace troupe {

absl::Status ValidateVariableSpec(const VariableSpec& spec,
                                  absl::string_view name) {
  if (spec.dtype == DType::kInvalid || spec.dtype > kLastDType) {
    return absl::InvalidArgumentError(
        absl::StrCat("Variable '", name, "' has an invalid dtype ",
                     static_cast<int>(spec.dtype)));
  }
  if (auto count = NumElements(spec.shape); !count.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Variable '", name, "': ", count.status().message()));
  }
  return absl::OkStatus();
}

absl::Status CheckSharedVariable(const VariableSpec& existing,
                                 const VariableSpec& requested,
                                 absl::string_view name) {
  if (existing.dtype != requested.dtype) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Shared variable '", name, "' has dtype ", DTypeName(existing.dtype),
        " but requested dtype was ", DTypeName(requested.dtype)));
  }
  if (existing.shape != requested.shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("Shared variable '", name, "' has shape ",
                     ShapeToString(existing.shape), " but requested shape was ",
                     ShapeToString(requested.shape)));
  }
  return absl::OkStatus();
}

}  // namespace troupe
