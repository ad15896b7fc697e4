// The variable actor and the task actor's variables, in a real in-process
// actor system: initialization, assign with and without shape validation,
// assign_add/assign_sub for every numeric dtype, TensorFlow's error texts,
// values shared rather than copied, lookup-or-create, reset and listing.
// Every wait is bounded by a client-side request timeout (kBound); nothing
// sleeps.
#include "actors/variable_actor.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/after.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "doctest/doctest.h"

#include "actors/task_actor.h"
#include "serialization/status_error.h"
#include "tests/actors/test_actor_system.h"

namespace troupe {
namespace {

const char kDevice[] = "/job:ps/task:0";

// One actor system per test, with a task actor; the fixture stops the task
// and every variable it spawned itself before the system shuts down.
class VariableFixture {
 public:
  VariableFixture()
      : system(config),
        task(SpawnTaskActor(
            system, {kDevice, {"/job:ps/task:0", "/job:worker/task:0"}})) {}
  ~VariableFixture() {
    for (const VariableActor& variable : spawned) {
      caf::anon_send_exit(variable, caf::exit_reason::user_shutdown);
    }
    caf::anon_send_exit(task, caf::exit_reason::user_shutdown);
  }

  VariableActor Spawn(DType dtype, Shape shape, std::string name = "v") {
    VariableActor variable =
        SpawnVariable(system, std::move(name), {dtype, std::move(shape)});
    spawned.push_back(variable);
    return variable;
  }

  TestConfig config;
  caf::actor_system system;
  TaskActor task;
  std::vector<VariableActor> spawned;
};

std::string CodeOf(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

// One request and its reply of type T, or the error as a status.
template <class T, class Handle, class... Ts>
absl::StatusOr<T> Ask(caf::scoped_actor& self, const Handle& to, Ts&&... xs) {
  absl::StatusOr<T> result = absl::InternalError("no reply");
  self->request(to, kBound, std::forward<Ts>(xs)...)
      .receive([&](T& value) { result = std::move(value); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::StatusOr<Tensor> Assign(caf::scoped_actor& self, const VariableActor& v,
                              Tensor value, bool validate_shape = true) {
  auto done =
      Ask<caf::ok_atom>(self, v, assign_atom::value, value, validate_shape);
  if (!done.ok()) return done.status();
  return Ask<Tensor>(self, v, read_atom::value);
}
absl::StatusOr<Tensor> AssignAdd(caf::scoped_actor& self,
                                 const VariableActor& v, Tensor value) {
  return Ask<Tensor>(self, v, assign_add_atom::value, std::move(value));
}
absl::StatusOr<Tensor> AssignSub(caf::scoped_actor& self,
                                 const VariableActor& v, Tensor value) {
  return Ask<Tensor>(self, v, assign_sub_atom::value, std::move(value));
}
absl::StatusOr<Tensor> Read(caf::scoped_actor& self, const VariableActor& v) {
  return Ask<Tensor>(self, v, read_atom::value);
}
absl::StatusOr<bool> IsInitialized(caf::scoped_actor& self,
                                   const VariableActor& v) {
  return Ask<bool>(self, v, is_initialized_atom::value);
}
absl::StatusOr<ResourceInfo> Describe(caf::scoped_actor& self,
                                      const VariableActor& v) {
  return Ask<ResourceInfo>(self, v, describe_atom::value);
}

Tensor Floats(Shape shape, std::vector<float> values) {
  return Tensor::FromVector<float>(std::move(shape), values);
}

// "OK [2]{1,2}" (float32 values) or "CODE: message".
std::string Show(const absl::StatusOr<Tensor>& result) {
  if (!result.ok()) return result.status().ToString();
  std::string values = "?";
  if (result->dtype() == DT_FLOAT) {
    values = absl::StrJoin(result->flat<float>(), ",");
  }
  return absl::StrCat("OK ", ShapeToString(result->shape()), "{", values, "}");
}

// --- The task actor's variable messages -------------------------------------

struct OpenedVariable {
  VariableActor variable;
  VariableSpec spec;
  bool created = false;
};

absl::StatusOr<OpenedVariable> Declare(caf::scoped_actor& self,
                                       const TaskActor& task,
                                       const std::string& container,
                                       const std::string& name,
                                       VariableSpec spec,
                                       const std::string& device = kDevice) {
  absl::StatusOr<OpenedVariable> result = absl::InternalError("no reply");
  self->request(task, kBound, variable_atom::value, device, container, name,
                std::move(spec))
      .receive(
          [&](VariableActor& variable, VariableSpec& actual, bool created) {
            result =
                OpenedVariable{std::move(variable), std::move(actual), created};
          },
          [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::StatusOr<OpenedVariable> LookupVariable(
    caf::scoped_actor& self, const TaskActor& task,
    const std::string& container, const std::string& name,
    const std::string& device = kDevice) {
  absl::StatusOr<OpenedVariable> result = absl::InternalError("no reply");
  self->request(task, kBound, lookup_variable_atom::value, device, container,
                name)
      .receive(
          [&](VariableActor& variable, VariableSpec& spec) {
            result =
                OpenedVariable{std::move(variable), std::move(spec), false};
          },
          [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::StatusOr<QueueActor> DeclareQueue(caf::scoped_actor& self,
                                        const TaskActor& task,
                                        const std::string& container,
                                        const std::string& name) {
  QueueSpec spec;
  spec.capacity = 10;
  spec.dtypes = {DT_FLOAT};
  absl::StatusOr<QueueActor> result = absl::InternalError("no reply");
  self->request(task, kBound, queue_atom::value, std::string(kDevice),
                container, name, spec)
      .receive([&](QueueActor& queue, QueueSpec&,
                   bool) { result = std::move(queue); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::Status ResetContainers(caf::scoped_actor& self, const TaskActor& task,
                             std::vector<std::string> containers) {
  absl::Status result = absl::InternalError("no reply");
  self->request(task, kBound, reset_atom::value, std::string(kDevice),
                std::move(containers))
      .receive([&](caf::ok_atom) { result = absl::OkStatus(); },
               [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

absl::StatusOr<std::vector<ResourceInfo>> ListSorted(caf::scoped_actor& self,
                                                     const TaskActor& task) {
  auto infos = Ask<std::vector<ResourceInfo>>(self, task, list_atom::value,
                                              std::string(kDevice));
  if (infos.ok()) {
    std::sort(infos->begin(), infos->end(),
              [](const ResourceInfo& x, const ResourceInfo& y) {
                return std::tie(x.container, x.name, x.is_variable) <
                       std::tie(y.container, y.name, y.is_variable);
              });
  }
  return infos;
}

// assign_add and assign_sub for one numeric C++ type: TensorFlow's testBasic
// (x = zeros [4,5], y = 0..19; add gives y, then sub gives zeros again) and a
// second add that doubles.
template <class T>
void CheckArithmetic(VariableFixture& fixture) {
  caf::scoped_actor self{fixture.system};
  const DType dtype = DTypeOf<T>::value;
  INFO("dtype ", DTypeName(dtype));
  VariableActor x = fixture.Spawn(dtype, {4, 5});
  std::vector<T> y(20);
  std::vector<T> twice(20);
  for (int i = 0; i < 20; ++i) {
    y[i] = static_cast<T>(i);
    twice[i] = static_cast<T>(2 * i);
  }
  Tensor update = Tensor::FromVector<T>({4, 5}, y);
  REQUIRE(Assign(self, x, Tensor::Zeros(dtype, {4, 5})).ok());
  absl::StatusOr<Tensor> added = AssignAdd(self, x, update);
  REQUIRE(added.ok());
  CHECK(*added == update);
  CHECK(Read(self, x).value() == update);
  absl::StatusOr<Tensor> doubled = AssignAdd(self, x, update);
  REQUIRE(doubled.ok());
  CHECK(*doubled == Tensor::FromVector<T>({4, 5}, twice));
  absl::StatusOr<Tensor> back = AssignSub(self, x, update);
  REQUIRE(back.ok());
  CHECK(*back == update);
  CHECK(AssignSub(self, x, update).value() == Tensor::Zeros(dtype, {4, 5}));
  CHECK(Read(self, x).value() == Tensor::Zeros(dtype, {4, 5}));
}

TEST_SUITE("actors") {
  TEST_CASE_FIXTURE(VariableFixture,
                    "a variable is uninitialized until its first assign") {
    // testIsVariableInitialized, testInitRequiredAssignAdd/Sub.
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {2}, "Variable");
    CHECK(IsInitialized(self, v).value() == false);
    const std::string uninitialized =
        "FAILED_PRECONDITION: Attempting to use uninitialized value Variable";
    CHECK(Show(Read(self, v)) == uninitialized);
    CHECK(Show(AssignAdd(self, v, Floats({2}, {1, 2}))) == uninitialized);
    CHECK(Show(AssignSub(self, v, Floats({2}, {1, 2}))) == uninitialized);
    CHECK(IsInitialized(self, v).value() == false);
    absl::StatusOr<ResourceInfo> before = Describe(self, v);
    REQUIRE(before.ok());
    CHECK(before->is_variable);
    CHECK(!before->initialized);
    CHECK(before->variable == VariableSpec{DT_FLOAT, {2}});

    CHECK(Show(Assign(self, v, Floats({2}, {3, 4}))) == "OK [2]{3,4}");
    CHECK(IsInitialized(self, v).value() == true);
    CHECK(Show(Read(self, v)) == "OK [2]{3,4}");
    absl::StatusOr<ResourceInfo> after = Describe(self, v);
    REQUIRE(after.ok());
    CHECK(after->initialized);
    CHECK(after->name == "Variable");
    CHECK(after->variable == VariableSpec{DT_FLOAT, {2}});
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "assign returns the new value and replaces the old") {
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {3});
    CHECK(Show(Assign(self, v, Floats({3}, {1, 2, 3}))) == "OK [3]{1,2,3}");
    CHECK(Show(Assign(self, v, Floats({3}, {4, 5, 6}))) == "OK [3]{4,5,6}");
    CHECK(Show(Read(self, v)) == "OK [3]{4,5,6}");
    // Strings and bools assign and read like any other dtype.
    VariableActor words = Spawn(DT_STRING, {2}, "words");
    Tensor hello = Tensor::FromVector<std::string>({2}, {"hello", "world"});
    CHECK(Assign(self, words, hello).value() == hello);
    CHECK(Read(self, words).value() == hello);
    VariableActor flag = Spawn(DT_BOOL, {}, "flag");
    CHECK(Assign(self, flag, Tensor::Scalar<bool>(true)).value() ==
          Tensor::Scalar<bool>(true));
  }

  TEST_CASE_FIXTURE(
      VariableFixture,
      "with validate_shape the value must have the variable's shape") {
    // testShapeChangingIsolateState: re-initialising a [3] var with a scalar.
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {3});
    const std::string mismatch =
        "INVALID_ARGUMENT: Assign requires shapes of both tensors to match. "
        "lhs shape= [3] rhs shape= []";
    // Before the first assign the declared shape counts.
    CHECK(Show(Assign(self, v, Tensor::Scalar<float>(1))) == mismatch);
    CHECK(IsInitialized(self, v).value() == false);
    REQUIRE(Assign(self, v, Floats({3}, {1, 2, 3})).ok());
    CHECK(Show(Assign(self, v, Tensor::Scalar<float>(1))) == mismatch);
    CHECK(Show(Assign(self, v, Floats({1, 3}, {7, 8, 9}))) ==
          "INVALID_ARGUMENT: Assign requires shapes of both tensors to match. "
          "lhs shape= [3] rhs shape= [1,3]");
    // Nothing changed.
    CHECK(Show(Read(self, v)) == "OK [3]{1,2,3}");
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "without validate_shape the variable takes the new shape") {
    // testAssignNonStrictShapeChecking: Variable([1]) assigned
    // fill([1024,1024], 0), then fill([10,10], 1).
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {1});
    absl::StatusOr<Tensor> big =
        Assign(self, v, Tensor::Zeros(DT_FLOAT, {1024, 1024}), false);
    REQUIRE(big.ok());
    CHECK(big->shape() == Shape{1024, 1024});
    CHECK(Read(self, v).value() == Tensor::Zeros(DT_FLOAT, {1024, 1024}));
    Tensor ones = Floats({10, 10}, std::vector<float>(100, 1.0f));
    CHECK(Assign(self, v, ones, false).value() == ones);
    CHECK(Read(self, v).value() == ones);
    // The new shape is the one a validated assign must now match, and the one
    // describe reports.
    CHECK(Show(Assign(self, v, Floats({1}, {5}))) ==
          "INVALID_ARGUMENT: Assign requires shapes of both tensors to match. "
          "lhs shape= [10,10] rhs shape= [1]");
    CHECK(Assign(self, v, ones).ok());
    CHECK(Describe(self, v).value().variable.shape == Shape{10, 10});
    // assign_add/sub work on the current shape too.
    CHECK(AssignAdd(self, v, ones).value() ==
          Floats({10, 10}, std::vector<float>(100, 2.0f)));
  }

  TEST_CASE_FIXTURE(
      VariableFixture,
      "a value of another dtype is INVALID_ARGUMENT naming both") {
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {2}, "x");
    const std::string wrong_type =
        "INVALID_ARGUMENT: Variable 'x' has dtype float but the value has "
        "dtype int32";
    Tensor ints = Tensor::FromVector<int32_t>({2}, {1, 2});
    CHECK(Show(Assign(self, v, ints)) == wrong_type);
    CHECK(Show(Assign(self, v, ints, false)) == wrong_type);
    CHECK(IsInitialized(self, v).value() == false);
    REQUIRE(Assign(self, v, Floats({2}, {1, 2})).ok());
    CHECK(Show(AssignAdd(self, v, ints)) == wrong_type);
    CHECK(Show(AssignSub(self, v, ints)) == wrong_type);
    CHECK(Show(Read(self, v)) == "OK [2]{1,2}");
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "a malformed tensor is refused and changes nothing") {
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {3}, "x");
    // Three floats declared, one float's bytes given.
    Tensor short_buffer =
        Tensor::FromBytes(DT_FLOAT, {3}, std::vector<char>(4, 0));
    REQUIRE(!short_buffer.CheckValid().ok());
    absl::StatusOr<Tensor> refused = Assign(self, v, short_buffer);
    CHECK(CodeOf(refused.status()) == "INVALID_ARGUMENT");
    CHECK(absl::StrContains(refused.status().message(),
                            "Invalid value for variable 'x'"));
    // Refused with or without shape validation, and before any shape check.
    CHECK(CodeOf(Assign(self, v, short_buffer, false).status()) ==
          "INVALID_ARGUMENT");
    CHECK(IsInitialized(self, v).value() == false);
    REQUIRE(Assign(self, v, Floats({3}, {1, 2, 3})).ok());
    CHECK(CodeOf(AssignAdd(self, v, short_buffer).status()) ==
          "INVALID_ARGUMENT");
    CHECK(CodeOf(AssignSub(self, v, short_buffer).status()) ==
          "INVALID_ARGUMENT");
    CHECK(CodeOf(Assign(self, v,
                        Tensor::FromBytes(static_cast<DType>(99), {1}, {}))
                     .status()) == "INVALID_ARGUMENT");
    CHECK(Show(Read(self, v)) == "OK [3]{1,2,3}");
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "assign_add and assign_sub work for every numeric dtype") {
    CheckArithmetic<float>(*this);
    CheckArithmetic<double>(*this);
    CheckArithmetic<int8_t>(*this);
    CheckArithmetic<int16_t>(*this);
    CheckArithmetic<int32_t>(*this);
    CheckArithmetic<int64_t>(*this);
    CheckArithmetic<uint8_t>(*this);
    CheckArithmetic<uint16_t>(*this);
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "integer assign_add and assign_sub wrap around") {
    caf::scoped_actor self{system};
    VariableActor small = Spawn(DT_INT8, {2}, "small");
    REQUIRE(
        Assign(self, small, Tensor::FromVector<int8_t>({2}, {127, -128})).ok());
    CHECK(AssignAdd(self, small, Tensor::FromVector<int8_t>({2}, {1, 0}))
              .value() == Tensor::FromVector<int8_t>({2}, {-128, -128}));
    CHECK(AssignSub(self, small, Tensor::FromVector<int8_t>({2}, {0, 1}))
              .value() == Tensor::FromVector<int8_t>({2}, {-128, 127}));
    VariableActor count = Spawn(DT_UINT8, {}, "count");
    REQUIRE(Assign(self, count, Tensor::Scalar<uint8_t>(0)).ok());
    CHECK(AssignSub(self, count, Tensor::Scalar<uint8_t>(1)).value() ==
          Tensor::Scalar<uint8_t>(255));
    VariableActor wide = Spawn(DT_INT64, {}, "wide");
    const int64_t max = std::numeric_limits<int64_t>::max();
    REQUIRE(Assign(self, wide, Tensor::Scalar<int64_t>(max)).ok());
    CHECK(AssignAdd(self, wide, Tensor::Scalar<int64_t>(1)).value() ==
          Tensor::Scalar<int64_t>(std::numeric_limits<int64_t>::min()));
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "assign_add needs an update of the same shape") {
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {2, 2});
    REQUIRE(Assign(self, v, Floats({2, 2}, {1, 2, 3, 4})).ok());
    const std::string size =
        "INVALID_ARGUMENT: Parameters and update must be the same size";
    CHECK(Show(AssignAdd(self, v, Floats({4}, {1, 1, 1, 1}))) == size);
    CHECK(Show(AssignSub(self, v, Floats({2}, {1, 1}))) == size);
    CHECK(Show(AssignAdd(self, v, Tensor::Scalar<float>(1))) == size);
    CHECK(Show(Read(self, v)) == "OK [2,2]{1,2,3,4}");
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "assign_add on a string or bool variable is "
                    "INVALID_ARGUMENT naming it") {
    caf::scoped_actor self{system};
    VariableActor words = Spawn(DT_STRING, {}, "words");
    Tensor word = Tensor::Scalar<std::string>("a");
    REQUIRE(Assign(self, words, word).ok());
    CHECK(Show(AssignAdd(self, words, word)) ==
          "INVALID_ARGUMENT: assign_add needs a numeric variable, but 'words' "
          "has dtype string");
    CHECK(Show(AssignSub(self, words, word)) ==
          "INVALID_ARGUMENT: assign_sub needs a numeric variable, but 'words' "
          "has dtype string");
    VariableActor flag = Spawn(DT_BOOL, {}, "flag");
    // Refused whether or not the variable is initialized.
    CHECK(Show(AssignAdd(self, flag, Tensor::Scalar<bool>(true))) ==
          "INVALID_ARGUMENT: assign_add needs a numeric variable, but 'flag' "
          "has dtype bool");
    CHECK(Read(self, words).value() == word);
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "values are shared with the sender, not copied") {
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {1024, 1024});
    Tensor value = Floats({1024, 1024}, std::vector<float>(1024 * 1024, 0.5f));
    absl::StatusOr<Tensor> assigned = Assign(self, v, value);
    REQUIRE(assigned.ok());
    // In one process the reply, the stored value and the read all use the
    // buffer the sender made.
    CHECK(assigned->data() == value.data());
    absl::StatusOr<Tensor> read = Read(self, v);
    REQUIRE(read.ok());
    CHECK(read->data() == value.data());
    // An update makes a new buffer, and leaves the old value alone.
    absl::StatusOr<Tensor> added = AssignAdd(self, v, value);
    REQUIRE(added.ok());
    CHECK(added->data() != value.data());
    CHECK(added->flat<float>()[12345] == 1.0f);
    CHECK(value.flat<float>()[12345] == 0.5f);
    CHECK(read->flat<float>()[12345] == 0.5f);
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "an exit message with a troupe error stops a variable") {
    caf::scoped_actor self{system};
    VariableActor v = Spawn(DT_FLOAT, {});
    REQUIRE(Assign(self, v, Tensor::Scalar<float>(1)).ok());
    self->monitor(v);
    self->send_exit(v, ToError(absl::CancelledError("container '' was reset")));
    bool down = false;
    self->receive([&](caf::down_msg& msg) { down = msg.source == v.address(); },
                  caf::after(kBound) >> [] {});
    CHECK(down);
    CHECK(CodeOf(Read(self, v).status()) == "NOT_FOUND");
  }

  // --- Variables on the task actor -------------------------------------------

  TEST_CASE_FIXTURE(VariableFixture,
                    "lookup-or-create creates a variable once, then returns "
                    "it") {
    caf::scoped_actor self{system};
    absl::StatusOr<OpenedVariable> first =
        Declare(self, task, "", "x", {DT_FLOAT, {2}});
    REQUIRE(first.ok());
    CHECK(first->created);
    CHECK(first->spec == VariableSpec{DT_FLOAT, {2}});
    absl::StatusOr<OpenedVariable> second =
        Declare(self, task, "", "x", {DT_FLOAT, {2}});
    REQUIRE(second.ok());
    CHECK(!second->created);
    CHECK(second->variable == first->variable);
    absl::StatusOr<OpenedVariable> found = LookupVariable(self, task, "", "x");
    REQUIRE(found.ok());
    CHECK(found->variable == first->variable);
    CHECK(found->spec == VariableSpec{DT_FLOAT, {2}});
    // One variable: what one handle assigns, the other reads.
    REQUIRE(Assign(self, first->variable, Floats({2}, {1, 2})).ok());
    CHECK(Show(Read(self, second->variable)) == "OK [2]{1,2}");
    // The device may be left empty: this task.
    absl::StatusOr<OpenedVariable> here =
        Declare(self, task, "", "x", {DT_FLOAT, {2}}, "");
    REQUIRE(here.ok());
    CHECK(here->variable == first->variable);
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "declaring a shared variable with another dtype or shape "
                    "is INVALID_ARGUMENT") {
    caf::scoped_actor self{system};
    REQUIRE(Declare(self, task, "", "x", {DT_FLOAT, {2}}).ok());
    CHECK(Declare(self, task, "", "x", {DT_INT32, {2}}).status().ToString() ==
          "INVALID_ARGUMENT: Shared variable 'x' has dtype float but "
          "requested dtype was int32");
    CHECK(Declare(self, task, "", "x", {DT_FLOAT, {3}}).status().ToString() ==
          "INVALID_ARGUMENT: Shared variable 'x' has shape [2] but requested "
          "shape was [3]");
    // The declared shape counts, even after an assign changed the value's.
    absl::StatusOr<OpenedVariable> x = LookupVariable(self, task, "", "x");
    REQUIRE(x.ok());
    REQUIRE(Assign(self, x->variable, Floats({3}, {1, 2, 3}), false).ok());
    CHECK(Declare(self, task, "", "x", {DT_FLOAT, {2}}).ok());
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "an invalid variable spec or name creates nothing") {
    caf::scoped_actor self{system};
    CHECK(Declare(self, task, "", "x", {DT_FLOAT, {-2}}).status().ToString() ==
          "INVALID_ARGUMENT: Variable 'x': Shape [-2] has a negative "
          "dimension");
    CHECK(
        CodeOf(Declare(self, task, "", "x", {DType::kInvalid, {}}).status()) ==
        "INVALID_ARGUMENT");
    CHECK(Declare(self, task, "", "_x", {DT_FLOAT, {}}).status().ToString() ==
          "INVALID_ARGUMENT: shared_name cannot start with '_':_x");
    CHECK(Declare(self, task, "my problem", "x", {DT_FLOAT, {}})
              .status()
              .ToString() ==
          "INVALID_ARGUMENT: container contains invalid characters: my "
          "problem");
    CHECK(
        CodeOf(Declare(self, task, "", "x", {DT_FLOAT, {}}, "/job:nope/task:0")
                   .status()) == "NOT_FOUND");
    CHECK(CodeOf(LookupVariable(self, task, "", "x", "/job:nope/task:0")
                     .status()) == "NOT_FOUND");
    absl::StatusOr<OpenedVariable> missing =
        LookupVariable(self, task, "", "x");
    CHECK(missing.status().ToString() ==
          "NOT_FOUND: Variable 'x' in container '' on /job:ps/task:0 does not "
          "exist");
    CHECK(ListSorted(self, task).value().empty());
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "the same name in two containers is two variables") {
    // Figure 12-7: x in the default container and x in "my_problem_1".
    caf::scoped_actor self{system};
    absl::StatusOr<OpenedVariable> in_default =
        Declare(self, task, "", "x", {DT_FLOAT, {}});
    absl::StatusOr<OpenedVariable> in_problem =
        Declare(self, task, "my_problem_1", "x", {DT_FLOAT, {}});
    REQUIRE(in_default.ok());
    REQUIRE(in_problem.ok());
    CHECK(in_default->created);
    CHECK(in_problem->created);
    CHECK(in_default->variable != in_problem->variable);
    REQUIRE(Assign(self, in_default->variable, Tensor::Scalar<float>(1)).ok());
    REQUIRE(Assign(self, in_problem->variable, Tensor::Scalar<float>(2)).ok());
    CHECK(Show(Read(self, in_default->variable)) == "OK []{1}");
    CHECK(Show(Read(self, in_problem->variable)) == "OK []{2}");
    // A different spec is fine in another container.
    CHECK(Declare(self, task, "other", "x", {DT_INT32, {5}}).ok());
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "a queue and a variable with the same name coexist") {
    caf::scoped_actor self{system};
    absl::StatusOr<QueueActor> queue = DeclareQueue(self, task, "", "shared");
    absl::StatusOr<OpenedVariable> variable =
        Declare(self, task, "", "shared", {DT_INT64, {}});
    REQUIRE(queue.ok());
    REQUIRE(variable.ok());
    CHECK(variable->created);
    CHECK(LookupVariable(self, task, "", "shared").ok());
    REQUIRE(Assign(self, variable->variable, Tensor::Scalar<int64_t>(7)).ok());
    absl::StatusOr<std::vector<ResourceInfo>> infos = ListSorted(self, task);
    REQUIRE(infos.ok());
    REQUIRE(infos->size() == 2);
    CHECK(!(*infos)[0].is_variable);
    CHECK((*infos)[0].name == "shared");
    CHECK((*infos)[0].spec.capacity == 10);
    CHECK((*infos)[1].is_variable);
    CHECK((*infos)[1].name == "shared");
    // Resetting the container frees both.
    REQUIRE(ResetContainers(self, task, {""}).ok());
    CHECK(ListSorted(self, task).value().empty());
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "resetting a container forgets its variables: the old "
                    "handle is NOT_FOUND, a new declaration is uninitialized") {
    // testSameVariablesClearContainer.
    caf::scoped_actor self{system};
    absl::StatusOr<OpenedVariable> reset_one =
        Declare(self, task, "my_problem_1", "x", {DT_FLOAT, {}});
    absl::StatusOr<OpenedVariable> kept =
        Declare(self, task, "", "x", {DT_FLOAT, {}});
    REQUIRE(reset_one.ok());
    REQUIRE(kept.ok());
    REQUIRE(Assign(self, reset_one->variable, Tensor::Scalar<float>(1)).ok());
    REQUIRE(Assign(self, kept->variable, Tensor::Scalar<float>(2)).ok());
    VariableActor old = reset_one->variable;
    CHECK(ResetContainers(self, task, {"my_problem_1"}).ok());
    CHECK(CodeOf(Read(self, old).status()) == "NOT_FOUND");
    CHECK(CodeOf(Assign(self, old, Tensor::Scalar<float>(3)).status()) ==
          "NOT_FOUND");
    CHECK(CodeOf(LookupVariable(self, task, "my_problem_1", "x").status()) ==
          "NOT_FOUND");
    // The default container's x keeps its value.
    CHECK(Show(Read(self, kept->variable)) == "OK []{2}");
    // Declared again, it is a new variable and must be assigned again.
    absl::StatusOr<OpenedVariable> again =
        Declare(self, task, "my_problem_1", "x", {DT_FLOAT, {}});
    REQUIRE(again.ok());
    CHECK(again->created);
    CHECK(again->variable != old);
    CHECK(IsInitialized(self, again->variable).value() == false);
    CHECK(Show(Read(self, again->variable)) ==
          "FAILED_PRECONDITION: Attempting to use uninitialized value x");
    // Resetting no container resets the default one.
    CHECK(ResetContainers(self, task, {}).ok());
    CHECK(CodeOf(Read(self, kept->variable).status()) == "NOT_FOUND");
    CHECK(IsInitialized(self, again->variable).value() == false);
  }

  TEST_CASE_FIXTURE(VariableFixture,
                    "list reports variables with dtype, shape and whether "
                    "initialized") {
    caf::scoped_actor self{system};
    absl::StatusOr<OpenedVariable> a =
        Declare(self, task, "", "a", {DT_FLOAT, {2}});
    absl::StatusOr<OpenedVariable> b =
        Declare(self, task, "c", "b", {DT_STRING, {}});
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(Assign(self, a->variable, Floats({3}, {1, 2, 3}), false).ok());
    absl::StatusOr<std::vector<ResourceInfo>> infos = ListSorted(self, task);
    REQUIRE(infos.ok());
    REQUIRE(infos->size() == 2);
    const ResourceInfo& first = (*infos)[0];
    CHECK(first.container == "");
    CHECK(first.name == "a");
    CHECK(first.is_variable);
    CHECK(first.initialized);
    // The shape of the current value.
    CHECK(first.variable == VariableSpec{DT_FLOAT, {3}});
    const ResourceInfo& second = (*infos)[1];
    CHECK(second.container == "c");
    CHECK(second.name == "b");
    CHECK(second.is_variable);
    CHECK(!second.initialized);
    CHECK(second.variable == VariableSpec{DT_STRING, {}});
  }

  TEST_CASE("max_resources counts queues and variables together") {
    TestConfig config;
    caf::actor_system system{config};
    TaskActorOptions options;
    options.device = kDevice;
    options.cluster_devices = {kDevice};
    options.max_resources = 2;
    TaskActor task = SpawnTaskActor(system, options);
    {
      caf::scoped_actor self{system};
      CHECK(DeclareQueue(self, task, "", "q").ok());
      CHECK(Declare(self, task, "", "x", {DT_FLOAT, {}}).ok());
      CHECK(CodeOf(Declare(self, task, "", "y", {DT_FLOAT, {}}).status()) ==
            "RESOURCE_EXHAUSTED");
      CHECK(CodeOf(DeclareQueue(self, task, "", "r").status()) ==
            "RESOURCE_EXHAUSTED");
      // Declaring the existing one is no new resource.
      CHECK(Declare(self, task, "", "x", {DT_FLOAT, {}}).ok());
      // A reset makes room again.
      CHECK(ResetContainers(self, task, {""}).ok());
      CHECK(Declare(self, task, "", "y", {DT_FLOAT, {}}).ok());
    }
    caf::anon_send_exit(task, caf::exit_reason::user_shutdown);
  }

  TEST_CASE_FIXTURE(VariableFixture, "stopping the task stops its variables") {
    caf::scoped_actor self{system};
    absl::StatusOr<OpenedVariable> x =
        Declare(self, task, "", "x", {DT_FLOAT, {}});
    REQUIRE(x.ok());
    self->monitor(x->variable);
    self->send_exit(task, caf::exit_reason::user_shutdown);
    bool down = false;
    self->receive(
        [&](caf::down_msg& msg) { down = msg.source == x->variable.address(); },
        caf::after(kBound) >> [] {});
    CHECK(down);
    CHECK(CodeOf(Read(self, x->variable).status()) == "NOT_FOUND");
  }
}

}  // namespace
}  // namespace troupe
