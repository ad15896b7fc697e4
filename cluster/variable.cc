#include "cluster/variable.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "cluster/wire_call.h"
#include "cluster/wire_resource.h"

namespace troupe {

Variable::Variable(Session& session, VariableOptions options)
    : Variable(session, VariableSpec{options.dtype, std::move(options.shape)},
               std::move(options.shared_name), std::move(options.device),
               std::move(options.container), true) {}

Variable::Variable(Session& session, VariableSpec spec, std::string shared_name,
                   std::string device, std::string container,
                   bool create_if_missing)
    : wire_(std::make_unique<
            internal::WireResourceHandle<VariableSpec, VariableActor>>(
          session, "variable", std::move(spec), std::move(shared_name),
          std::move(device), std::move(container), create_if_missing)) {}

Variable::~Variable() = default;

absl::StatusOr<std::unique_ptr<Variable>> Variable::Open(
    Session& session, std::string shared_name, std::string device,
    std::string container) {
  std::unique_ptr<Variable> variable(
      new Variable(session, VariableSpec{}, std::move(shared_name),
                   std::move(device), std::move(container), false));
  TROUPE_RETURN_IF_ERROR(variable->wire_->Connect(nullptr));
  return variable;
}

absl::StatusOr<std::unique_ptr<Variable>> Variable::Create(
    Session& session, VariableOptions options, bool* created) {
  std::unique_ptr<Variable> variable(new Variable(session, std::move(options)));
  TROUPE_RETURN_IF_ERROR(variable->wire_->Connect(created));
  return variable;
}

const std::string& Variable::name() const { return wire_->shared_name(); }

VariableSpec Variable::spec() { return wire_->spec(); }

absl::StatusOr<VariableActor> Variable::handle() { return wire_->Handle(); }

template <class Reply, class Request>
absl::StatusOr<Reply> Variable::Call(Request request) {
  // The next call after a loss or a reset declares the variable again (and
  // finds it uninitialized, or not at all).
  return wire_->template Call<Reply>(std::move(request),
                                     internal::kAnsweredAtOnce);
}

// A tensor whose buffer does not match its dtype and shape never reaches the
// wire: serializing it would read past its buffer or drop bytes.
absl::Status Variable::CheckTensor(const Tensor& value) const {
  if (absl::Status valid = value.CheckValid(); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid value for variable '", name(), "': ", valid.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> Variable::assign(Tensor value, bool validate_shape) {
  TROUPE_RETURN_IF_ERROR(CheckTensor(value));
  // The task keeps the value it was sent, so that value is the new one.
  auto done = Call<OkReply>(AssignRequest{0, value, validate_shape});
  if (!done.ok()) return done.status();
  return value;
}

absl::StatusOr<Tensor> Variable::assign_add(Tensor update) {
  TROUPE_RETURN_IF_ERROR(CheckTensor(update));
  auto sum = Call<TensorReply>(AssignAddRequest{0, std::move(update)});
  if (!sum.ok()) return sum.status();
  return std::move(sum->value);
}

absl::StatusOr<Tensor> Variable::assign_sub(Tensor update) {
  TROUPE_RETURN_IF_ERROR(CheckTensor(update));
  auto difference = Call<TensorReply>(AssignSubRequest{0, std::move(update)});
  if (!difference.ok()) return difference.status();
  return std::move(difference->value);
}

absl::StatusOr<Tensor> Variable::read() {
  auto value = Call<TensorReply>(ReadRequest{0});
  if (!value.ok()) return value.status();
  return std::move(value->value);
}

absl::StatusOr<bool> Variable::is_initialized() {
  auto initialized = Call<BoolReply>(IsInitializedRequest{0});
  if (!initialized.ok()) return initialized.status();
  return initialized->value;
}

}  // namespace troupe
