#include "actors/variable_actor.h"

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "serialization/status_error.h"

namespace troupe {

namespace {

struct VariableState {
  std::string shared_name;
  // As declared; its shape holds until an assign gives the variable a value.
  VariableSpec spec;
  // Empty while uninitialized.
  std::optional<Tensor> value;
  static inline const char* name = "troupe.variable";

  // What an assign with validate_shape must match.
  const Shape& shape() const { return value ? value->shape() : spec.shape; }
};

using VariablePointer = VariableActor::stateful_pointer<VariableState>;

absl::Status Uninitialized(const VariableState& state) {
  return absl::FailedPreconditionError(absl::StrCat(
      "Attempting to use uninitialized value ", state.shared_name));
}

// A value may reach the variable: a well-formed tensor of its dtype.
absl::Status CheckValue(const VariableState& state, const Tensor& value) {
  if (absl::Status valid = value.CheckValid(); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid value for variable '", state.shared_name,
                     "': ", valid.message()));
  }
  if (value.dtype() != state.spec.dtype) {
    return absl::InvalidArgumentError(
        absl::StrCat("Variable '", state.shared_name, "' has dtype ",
                     DTypeName(state.spec.dtype), " but the value has dtype ",
                     DTypeName(value.dtype())));
  }
  return absl::OkStatus();
}

// Element-wise `a op b` for one C++ element type, into a new buffer. Integers
// wrap around (computed in the unsigned type, as two's complement does)
// rather than overflow, which C++ leaves undefined for signed types.
template <class T, bool kSubtract>
Tensor Combine(const Tensor& a, const Tensor& b) {
  std::vector<char> bytes(a.byte_size());
  T* out = reinterpret_cast<T*>(bytes.data());
  const T* x = a.flat<T>().data();
  const T* y = b.flat<T>().data();
  const size_t count = static_cast<size_t>(a.num_elements());
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    for (size_t i = 0; i < count; ++i) {
      out[i] = static_cast<T>(
          kSubtract ? static_cast<U>(x[i]) - static_cast<U>(y[i])
                    : static_cast<U>(x[i]) + static_cast<U>(y[i]));
    }
  } else {
    for (size_t i = 0; i < count; ++i) {
      out[i] = kSubtract ? x[i] - y[i] : x[i] + y[i];
    }
  }
  return Tensor::FromBytes(a.dtype(), a.shape(), std::move(bytes));
}

// Combine for the dtype of `a`; nullopt for a non-numeric dtype. The dtype is
// switched on once per call, never per element.
template <bool kSubtract>
std::optional<Tensor> ElementWise(const Tensor& a, const Tensor& b) {
  switch (a.dtype()) {
    case DType::kFloat32:
      return Combine<float, kSubtract>(a, b);
    case DType::kFloat64:
      return Combine<double, kSubtract>(a, b);
    case DType::kInt8:
      return Combine<int8_t, kSubtract>(a, b);
    case DType::kInt16:
      return Combine<int16_t, kSubtract>(a, b);
    case DType::kInt32:
      return Combine<int32_t, kSubtract>(a, b);
    case DType::kInt64:
      return Combine<int64_t, kSubtract>(a, b);
    case DType::kUint8:
      return Combine<uint8_t, kSubtract>(a, b);
    case DType::kUint16:
      return Combine<uint16_t, kSubtract>(a, b);
    default:
      return std::nullopt;
  }
}

bool IsNumeric(DType dtype) {
  return dtype != DType::kBool && dtype != DType::kString &&
         dtype != DType::kInvalid && dtype <= kLastDType;
}

// assign_add (kSubtract false) or assign_sub (true).
template <bool kSubtract>
caf::result<Tensor> Update(VariableState& state, const Tensor& update) {
  const char* op = kSubtract ? "assign_sub" : "assign_add";
  if (!IsNumeric(state.spec.dtype)) {
    return ToError(absl::InvalidArgumentError(
        absl::StrCat(op, " needs a numeric variable, but '", state.shared_name,
                     "' has dtype ", DTypeName(state.spec.dtype))));
  }
  if (absl::Status valid = CheckValue(state, update); !valid.ok()) {
    return ToError(valid);
  }
  if (!state.value) return ToError(Uninitialized(state));
  if (update.shape() != state.value->shape()) {
    return ToError(absl::InvalidArgumentError(
        "Parameters and update must be the same size"));
  }
  std::optional<Tensor> result = ElementWise<kSubtract>(*state.value, update);
  state.value = std::move(*result);
  return *state.value;
}

VariableActor::behavior_type VariableBehavior(VariablePointer self,
                                              std::string name,
                                              VariableSpec spec) {
  self->state.shared_name = std::move(name);
  self->state.spec = std::move(spec);
  self->set_exit_handler(
      [self](caf::exit_msg& exit) { self->quit(exit.reason); });
  return {
      [self](assign_atom, Tensor& value,
             bool validate_shape) -> caf::result<caf::ok_atom> {
        VariableState& state = self->state;
        if (absl::Status valid = CheckValue(state, value); !valid.ok()) {
          return ToError(valid);
        }
        if (validate_shape && value.shape() != state.shape()) {
          return ToError(absl::InvalidArgumentError(absl::StrCat(
              "Assign requires shapes of both tensors to match. lhs shape= ",
              ShapeToString(state.shape()),
              " rhs shape= ", ShapeToString(value.shape()))));
        }
        // Keeps the sender's buffer: no copy, however large the value.
        state.value = std::move(value);
        return caf::ok_atom::value;
      },
      [self](assign_add_atom, Tensor& update) -> caf::result<Tensor> {
        return Update<false>(self->state, update);
      },
      [self](assign_sub_atom, Tensor& update) -> caf::result<Tensor> {
        return Update<true>(self->state, update);
      },
      [self](read_atom) -> caf::result<Tensor> {
        if (!self->state.value) return ToError(Uninitialized(self->state));
        return *self->state.value;
      },
      [self](is_initialized_atom) { return self->state.value.has_value(); },
      [self](describe_atom) {
        const VariableState& state = self->state;
        ResourceInfo info;
        info.name = state.shared_name;
        info.is_variable = true;
        info.variable = VariableSpec{state.spec.dtype, state.shape()};
        info.initialized = state.value.has_value();
        if (state.value) {
          info.bytes_held = static_cast<int64_t>(state.value->memory_bytes());
        }
        return info;
      },
  };
}

}  // namespace

VariableActor SpawnVariable(caf::actor_system& system, std::string name,
                            VariableSpec spec) {
  return system.spawn(VariableBehavior, std::move(name), std::move(spec));
}

}  // namespace troupe
