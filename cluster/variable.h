// The blocking C++ variable: troupe::Variable with TensorFlow's names
// (assign, assign_add, assign_sub, read, is_initialized). Like FIFOQueue it is
// looked up or created on its task at the first call; a different dtype or
// shape under the same shared name fails that call INVALID_ARGUMENT.
//
// A variable never waits, so no call takes a timeout (each gives up after
// internal::kClientSlack if its task does not answer). After a reset of its
// container the next call fails NOT_FOUND and forgets the old variable; the
// call after it declares the variable again, uninitialized, as TensorFlow's
// "must be initialized before you can use it again". After a restart of its
// task the next call fails ABORTED (its value is gone), the call after it
// declares the variable again on the new incarnation. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cluster/session.h"
#include "serialization/protocol.h"

namespace troupe {

struct VariableOptions {
  DType dtype = DT_FLOAT;
  // The declared shape; an assign with validate_shape must match it until an
  // assign without validation gives the variable another shape.
  Shape shape;
  std::string shared_name;
  // "/job:J/task:T"; empty: the session's target task.
  std::string device;
  std::string container;
};

class Variable {
 public:
  // A variable that the first call looks up, creating it if missing.
  Variable(Session& session, VariableOptions options);
  Variable(const Variable&) = delete;
  Variable& operator=(const Variable&) = delete;
  ~Variable();

  // An existing variable, opened by name; its dtype and shape are the
  // task's. NOT_FOUND if the task has none; UNAVAILABLE if it cannot be
  // reached.
  static absl::StatusOr<std::unique_ptr<Variable>> Open(
      Session& session, std::string shared_name, std::string device = "",
      std::string container = "");
  // Looks up or creates the variable `options` describes now; `*created`
  // tells which.
  static absl::StatusOr<std::unique_ptr<Variable>> Create(
      Session& session, VariableOptions options, bool* created);

  // Replaces the value and returns it. With `validate_shape`, `value` must
  // have the variable's shape (INVALID_ARGUMENT "Assign requires shapes of
  // both tensors to match. ..."); without, the variable takes its shape.
  absl::StatusOr<Tensor> assign(Tensor value, bool validate_shape = true);
  // Adds (subtracts) `update`, of the variable's dtype and shape, element-wise
  // and returns the new value. Numeric dtypes only; FAILED_PRECONDITION while
  // uninitialized.
  absl::StatusOr<Tensor> assign_add(Tensor update);
  absl::StatusOr<Tensor> assign_sub(Tensor update);
  // The value; FAILED_PRECONDITION "Attempting to use uninitialized value
  // <name>" before the first assign.
  absl::StatusOr<Tensor> read();
  absl::StatusOr<bool> is_initialized();

  // The variable's typed handle, for asynchronous requests from users' own
  // actors: a local proxy over Troupe's wire, as QueueBase::handle().
  absl::StatusOr<VariableActor> handle();
  const std::string& name() const;
  // The declared dtype and shape (the task's, once a call has found it).
  VariableSpec spec();

 private:
  Variable(Session& session, VariableSpec spec, std::string shared_name,
           std::string device, std::string container, bool create_if_missing);

  // One request to the variable over the wire (its resource_id set here),
  // forgetting the variable after NOT_FOUND (it was reset) or UNAVAILABLE
  // (its task was lost).
  template <class Reply, class Request>
  absl::StatusOr<Reply> Call(Request request);
  absl::Status CheckTensor(const Tensor& value) const;

  std::unique_ptr<internal::WireResourceHandle<VariableSpec, VariableActor>>
      wire_;
};

}  // namespace troupe
