#include "cluster/variable.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "cluster/resource_connection.h"
#include "cluster/rpc.h"

namespace troupe {

Variable::Variable(Session& session, VariableOptions options)
    : Variable(session, VariableSpec{options.dtype, std::move(options.shape)},
               std::move(options.shared_name), std::move(options.device),
               std::move(options.container), true) {}

Variable::Variable(Session& session, VariableSpec spec, std::string shared_name,
                   std::string device, std::string container,
                   bool create_if_missing)
    : session_(session),
      spec_(std::move(spec)),
      shared_name_(std::move(shared_name)),
      device_(std::move(device)),
      container_(std::move(container)),
      create_if_missing_(create_if_missing) {}

absl::StatusOr<std::unique_ptr<Variable>> Variable::Open(
    Session& session, std::string shared_name, std::string device,
    std::string container) {
  std::unique_ptr<Variable> variable(
      new Variable(session, VariableSpec{}, std::move(shared_name),
                   std::move(device), std::move(container), false));
  if (auto actor = variable->handle(); !actor.ok()) return actor.status();
  return variable;
}

absl::StatusOr<std::unique_ptr<Variable>> Variable::Create(
    Session& session, VariableOptions options, bool* created) {
  std::unique_ptr<Variable> variable(new Variable(session, std::move(options)));
  std::lock_guard<std::mutex> lock(variable->mutex_);
  TROUPE_RETURN_IF_ERROR(variable->ConnectLocked(created));
  return variable;
}

VariableSpec Variable::spec() {
  std::lock_guard<std::mutex> lock(mutex_);
  return spec_;
}

absl::StatusOr<VariableActor> Variable::handle() {
  std::lock_guard<std::mutex> lock(mutex_);
  TROUPE_RETURN_IF_ERROR(EnsureLocked());
  return actor_;
}

absl::Status Variable::ConnectLocked(bool* created) {
  return internal::ConnectResource<VariableActor, VariableSpec, variable_atom,
                                   lookup_variable_atom>(
      session_, {"variable", device_, container_, shared_name_},
      create_if_missing_, &actor_, &spec_, created, &incarnation_);
}

absl::Status Variable::EnsureLocked() {
  return internal::EnsureResource<VariableActor, VariableSpec, variable_atom,
                                  lookup_variable_atom>(
      session_, {"variable", device_, container_, shared_name_},
      create_if_missing_, &actor_, &spec_, &incarnation_);
}

template <class Out, class... Args>
absl::StatusOr<Out> Variable::Call(Args... args) {
  auto actor = handle();
  if (!actor.ok()) return actor.status();
  auto reply = internal::Call<Out>(session_.requester(), *actor,
                                   internal::kAnsweredAtOnce, args...);
  // The next call after a loss or a reset declares the variable again (and
  // finds it uninitialized, or not at all).
  internal::ForgetIfLost(reply.status(), *actor, mutex_, &actor_, session_,
                         device_);
  if (!reply.ok()) return reply.status();
  return std::get<0>(std::move(*reply));
}

// A tensor whose buffer does not match its dtype and shape never reaches the
// wire: serializing it would read past its buffer or drop bytes.
absl::Status Variable::CheckTensor(const Tensor& value) const {
  if (absl::Status valid = value.CheckValid(); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid value for variable '", shared_name_, "': ", valid.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> Variable::assign(Tensor value, bool validate_shape) {
  TROUPE_RETURN_IF_ERROR(CheckTensor(value));
  // The task keeps the value it was sent, so that value is the new one.
  auto done = Call<caf::ok_atom>(assign_atom::value, value, validate_shape);
  if (!done.ok()) return done.status();
  return value;
}

absl::StatusOr<Tensor> Variable::assign_add(Tensor update) {
  TROUPE_RETURN_IF_ERROR(CheckTensor(update));
  return Call<Tensor>(assign_add_atom::value, std::move(update));
}

absl::StatusOr<Tensor> Variable::assign_sub(Tensor update) {
  TROUPE_RETURN_IF_ERROR(CheckTensor(update));
  return Call<Tensor>(assign_sub_atom::value, std::move(update));
}

absl::StatusOr<Tensor> Variable::read() {
  return Call<Tensor>(read_atom::value);
}

absl::StatusOr<bool> Variable::is_initialized() {
  return Call<bool>(is_initialized_atom::value);
}

}  // namespace troupe
