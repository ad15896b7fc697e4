// Integration tests of variables against real `troupe task` processes: the
// blocking C++ API (cluster/variable.h), the book's Figure 12-7 (variables
// shared across sessions through containers, and a reset that frees one
// container), `troupe ctl`'s variable commands and their errors, and a
// 64 MiB value sent and read back byte for byte.
//
// No variable call waits on the task, and each gives up after
// internal::kClientSlack at most, so every test is bounded.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include "cluster/variable.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using nlohmann::json;
using testing::CtlFails;
using testing::CtlJson;
using testing::CtlLine;
using testing::LocalCluster;

constexpr char kDevice[] = "/job:ps/task:0";

std::string CodeOf(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

// "OK [2]{1,2}" for float32 values, or "CODE: message".
std::string Show(const absl::StatusOr<Tensor>& result) {
  if (!result.ok()) return result.status().ToString();
  std::string values = "?";
  if (result->dtype() == DT_FLOAT) {
    values = absl::StrJoin(result->flat<float>(), ",");
  }
  return absl::StrCat("OK ", ShapeToString(result->shape()), "{", values, "}");
}

Tensor Floats(Shape shape, std::vector<float> values) {
  return Tensor::FromVector<float>(std::move(shape), values);
}

VariableOptions Options(DType dtype, Shape shape, std::string name,
                        std::string container = "") {
  return VariableOptions{dtype, std::move(shape), std::move(name), kDevice,
                         std::move(container)};
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: a Variable is declared at its first call, then assigned, "
      "updated and read") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    Variable v(session, Options(DT_FLOAT, {2}, "v"));
    CHECK(v.is_initialized().value_or(true) == false);
    CHECK(Show(v.read()) ==
          "FAILED_PRECONDITION: Attempting to use uninitialized value v");
    CHECK(Show(v.assign_add(Floats({2}, {1, 1}))) ==
          "FAILED_PRECONDITION: Attempting to use uninitialized value v");
    CHECK(Show(v.assign(Floats({2}, {1, 2}))) == "OK [2]{1,2}");
    CHECK(v.is_initialized().value_or(false) == true);
    CHECK(Show(v.assign_add(Floats({2}, {10, 20}))) == "OK [2]{11,22}");
    CHECK(Show(v.assign_sub(Floats({2}, {1, 2}))) == "OK [2]{10,20}");
    CHECK(Show(v.read()) == "OK [2]{10,20}");
    CHECK(v.handle().ok());
    CHECK(v.spec() == VariableSpec{DT_FLOAT, {2}});

    // A second client object with the same name is the same variable.
    Variable same(session, Options(DT_FLOAT, {2}, "v"));
    CHECK(Show(same.read()) == "OK [2]{10,20}");
    // One with another dtype or shape fails its first call.
    Variable other_type(session, Options(DT_INT32, {2}, "v"));
    CHECK(other_type.read().status().ToString() ==
          "INVALID_ARGUMENT: Shared variable 'v' has dtype float but "
          "requested dtype was int32");
    Variable other_shape(session, Options(DT_FLOAT, {3}, "v"));
    CHECK(other_shape.assign(Floats({3}, {1, 2, 3})).status().ToString() ==
          "INVALID_ARGUMENT: Shared variable 'v' has shape [2] but requested "
          "shape was [3]");

    // Shapes: validated by default, taken over without validation.
    CHECK(Show(v.assign(Tensor::Scalar<float>(5))) ==
          "INVALID_ARGUMENT: Assign requires shapes of both tensors to match. "
          "lhs shape= [2] rhs shape= []");
    CHECK(Show(v.assign(Floats({3}, {7, 8, 9}), false)) == "OK [3]{7,8,9}");
    CHECK(Show(same.read()) == "OK [3]{7,8,9}");
    // Wrong dtype: refused by the task, the value unchanged.
    CHECK(v.assign(Tensor::FromVector<int32_t>({3}, {1, 2, 3}))
              .status()
              .ToString() ==
          "INVALID_ARGUMENT: Variable 'v' has dtype float but the value has "
          "dtype int32");
    // A malformed tensor never leaves the client.
    absl::StatusOr<Tensor> malformed =
        v.assign(Tensor::FromBytes(DT_FLOAT, {3}, std::vector<char>(5)));
    CHECK(CodeOf(malformed.status()) == "INVALID_ARGUMENT");
    CHECK(absl::StrContains(malformed.status().message(),
                            "Invalid value for variable 'v'"));
    CHECK(Show(v.read()) == "OK [3]{7,8,9}");

    // Open finds an existing variable and takes its spec from the task;
    // Create tells whether it created.
    absl::StatusOr<std::unique_ptr<Variable>> opened =
        Variable::Open(session, "v", kDevice);
    REQUIRE(opened.ok());
    CHECK((*opened)->spec() == VariableSpec{DT_FLOAT, {2}});
    CHECK(Show((*opened)->read()) == "OK [3]{7,8,9}");
    CHECK(Variable::Open(session, "missing", kDevice).status().ToString() ==
          "NOT_FOUND: Variable 'missing' in container '' on /job:ps/task:0 "
          "does not exist");
    bool created = false;
    REQUIRE(
        Variable::Create(session, Options(DT_INT64, {}, "n"), &created).ok());
    CHECK(created);
    REQUIRE(
        Variable::Create(session, Options(DT_INT64, {}, "n"), &created).ok());
    CHECK(!created);
  }

  TEST_CASE(
      "cluster: Figure 12-7: clients share x by container, and a reset frees "
      "only its container's x") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    // Four clients, each with its own session: A and B share x in the default
    // container, C and D share x in "my_problem_1", and C uses both.
    Session a_session(target), b_session(target), c_session(target),
        d_session(target);
    Variable a_x(a_session, Options(DT_INT32, {}, "x"));
    Variable b_x(b_session, Options(DT_INT32, {}, "x"));
    Variable c_x(c_session, Options(DT_INT32, {}, "x"));
    Variable c_problem_x(c_session, Options(DT_INT32, {}, "x", "my_problem_1"));
    Variable d_problem_x(d_session, Options(DT_INT32, {}, "x", "my_problem_1"));

    REQUIRE(a_x.assign(Tensor::Scalar<int32_t>(0)).ok());
    REQUIRE(d_problem_x.assign(Tensor::Scalar<int32_t>(1000)).ok());
    // A and B update the shared x at the same time; no update is lost.
    constexpr int kUpdates = 50;
    auto b_updates = std::async(std::launch::async, [&] {
      absl::Status status;
      for (int i = 0; i < kUpdates && status.ok(); ++i) {
        status = b_x.assign_add(Tensor::Scalar<int32_t>(1)).status();
      }
      return status;
    });
    absl::Status a_status;
    for (int i = 0; i < kUpdates && a_status.ok(); ++i) {
      a_status = a_x.assign_add(Tensor::Scalar<int32_t>(1)).status();
    }
    CHECK(a_status.ok());
    CHECK(b_updates.get().ok());
    CHECK(b_x.read().value() == Tensor::Scalar<int32_t>(2 * kUpdates));
    // C sees both x's, D sees the one of my_problem_1.
    CHECK(c_x.read().value() == Tensor::Scalar<int32_t>(2 * kUpdates));
    CHECK(c_problem_x.read().value() == Tensor::Scalar<int32_t>(1000));
    REQUIRE(c_problem_x.assign_add(Tensor::Scalar<int32_t>(1)).ok());
    CHECK(d_problem_x.read().value() == Tensor::Scalar<int32_t>(1001));

    // Session.reset(target, ["my_problem_1"]).
    REQUIRE(c_session.reset({"my_problem_1"}).ok());
    // Through its old handle the first call fails NOT_FOUND; the next
    // declares x again, and it must be assigned before use.
    CHECK(CodeOf(c_problem_x.read().status()) == "NOT_FOUND");
    CHECK(c_problem_x.read().status().ToString() ==
          "FAILED_PRECONDITION: Attempting to use uninitialized value x");
    CHECK(CodeOf(d_problem_x.read().status()) == "NOT_FOUND");
    CHECK(d_problem_x.is_initialized().value_or(true) == false);
    // The default container's x keeps its value.
    CHECK(a_x.read().value() == Tensor::Scalar<int32_t>(2 * kUpdates));
    CHECK(c_x.read().value() == Tensor::Scalar<int32_t>(2 * kUpdates));
    // Re-initialised by D, it is shared with C again.
    REQUIRE(d_problem_x.assign(Tensor::Scalar<int32_t>(7)).ok());
    CHECK(c_problem_x.read().value() == Tensor::Scalar<int32_t>(7));

    // What the task lists: the two x's, one per container.
    absl::StatusOr<std::vector<ResourceInfo>> infos = a_session.list();
    REQUIRE(infos.ok());
    REQUIRE(infos->size() == 2);
    for (const ResourceInfo& info : *infos) {
      CHECK(info.is_variable);
      CHECK(info.name == "x");
      CHECK(info.initialized);
    }
  }

  TEST_CASE(
      "cluster: troupe ctl creates, assigns, updates, reads and lists "
      "variables") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    const std::vector<std::string> create = {
        "variable-create", "w", "--dtype", "float32", "--shape", "[2]"};
    CHECK(CtlLine(target, create) == R"({"created":true})");
    CHECK(CtlLine(target, create) == R"({"created":false})");
    CtlFails(target, {"read", "w"}, "FAILED_PRECONDITION",
             "Attempting to use uninitialized value w");
    CHECK(CtlLine(target, {"assign", "w", "[1.5, 2]"}) == "[1.5,2.0]");
    CHECK(CtlLine(target, {"assign-add", "w", "[1, 1]"}) == "[2.5,3.0]");
    CHECK(CtlLine(target, {"assign-sub", "w", "[0.5, 3]"}) == "[2.0,0.0]");
    CHECK(CtlLine(target, {"read", "w"}) == "[2.0,0.0]");
    // The value from a file and from stdin; the shape from a file.
    std::string value = cluster.dir().Write("value.json", "[4, 5]\n");
    CHECK(CtlLine(target, {"assign", "w", "@" + value}) == "[4.0,5.0]");
    CHECK(CtlLine(target, {"assign-add", "w", "-"}, "[1, 1]") == "[5.0,6.0]");
    std::string shape = cluster.dir().Write("shape.json", "[2, 3]");
    CHECK(CtlJson(target, {"variable-create", "m", "--dtype", "int32",
                           "--shape", "@" + shape}) == json{{"created", true}});
    std::string matrix = cluster.dir().Write("m.json", "[[1,2,3],[4,5,6]]");
    CHECK(CtlLine(target, {"assign", "m", "@" + matrix}) ==
          "[[1,2,3],[4,5,6]]");
    // --no-validate-shape lets the variable take another shape.
    CtlFails(target, {"assign", "w", "[1, 2, 3]"}, "INVALID_ARGUMENT",
             "Assign requires shapes of both tensors to match. lhs shape= [2] "
             "rhs shape= [3]");
    CHECK(CtlLine(target, {"assign", "w", "[1, 2, 3]",
                           "--no-validate-shape"}) == "[1.0,2.0,3.0]");
    // Containers, and a queue with a variable's name.
    CHECK(CtlJson(target, {"--container", "my_problem_1", "variable-create",
                           "w", "--dtype", "string", "--shape", "[]"}) ==
          json{{"created", true}});
    CHECK(CtlLine(target, {"--container", "my_problem_1", "assign", "w",
                           "\"hello\""}) == R"("hello")");
    CHECK(CtlJson(target, {"queue-create", "w", "--capacity", "3", "--dtypes",
                           "int32"}) == json{{"created", true}});

    json list = CtlJson(target, {"list"});
    REQUIRE(list.is_array());
    json variables = json::array();
    int queues = 0;
    for (const json& entry : list) {
      if (entry["kind"] == "Variable") {
        variables.push_back(entry);
      } else {
        ++queues;
        CHECK(entry["kind"] == "FIFOQueue");
        CHECK(entry["name"] == "w");
      }
    }
    CHECK(queues == 1);
    std::sort(variables.begin(), variables.end(),
              [](const json& x, const json& y) {
                return std::make_pair(x["container"].get<std::string>(),
                                      x["name"].get<std::string>()) <
                       std::make_pair(y["container"].get<std::string>(),
                                      y["name"].get<std::string>());
              });
    CHECK(variables == json::parse(R"([
      {"container":"","name":"m","kind":"Variable","dtype":"int32",
       "shape":[2,3],"initialized":true},
      {"container":"","name":"w","kind":"Variable","dtype":"float32",
       "shape":[3],"initialized":true},
      {"container":"my_problem_1","name":"w","kind":"Variable",
       "dtype":"string","shape":[],"initialized":true}])"));

    // ctl reset frees the container; later commands only look up.
    CHECK(CtlJson(target, {"reset", "my_problem_1"}) ==
          json::parse(R"({"reset":["my_problem_1"]})"));
    CtlFails(target, {"--container", "my_problem_1", "read", "w"}, "NOT_FOUND",
             "Variable 'w' in container 'my_problem_1'");
    CHECK(CtlLine(target, {"read", "w"}) == "[1.0,2.0,3.0]");
  }

  TEST_CASE(
      "cluster: troupe ctl refuses bad variable input and changes "
      "nothing") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    // Only variable-create declares.
    CtlFails(target, {"assign", "nothing", "1"}, "NOT_FOUND",
             "Variable 'nothing' in container '' on /job:ps/task:0 does not "
             "exist");
    CtlFails(target, {"read", "nothing"}, "NOT_FOUND", "'nothing'");
    CtlFails(target, {"assign-add", "nothing", "1"}, "NOT_FOUND", "'nothing'");
    // variable-create's flags.
    CtlFails(target, {"variable-create", "x", "--dtype", "float32"},
             "INVALID_ARGUMENT", "variable-create needs --dtype and --shape");
    CtlFails(target,
             {"variable-create", "x", "--dtype", "float33", "--shape", "[]"},
             "INVALID_ARGUMENT", "float33");
    CtlFails(
        target,
        {"variable-create", "x", "--dtype", "float32", "--shape", "[null]"},
        "INVALID_ARGUMENT", "expected a non-negative integer");
    CtlFails(target,
             {"variable-create", "_x", "--dtype", "float32", "--shape", "[]"},
             "INVALID_ARGUMENT", "shared_name cannot start with '_':_x");
    CHECK(CtlJson(target, {"list"}) == json::array());

    CHECK(CtlLine(target, {"variable-create", "x", "--dtype", "float32",
                           "--shape", "[2]"}) == R"({"created":true})");
    CtlFails(target,
             {"variable-create", "x", "--dtype", "int32", "--shape", "[2]"},
             "INVALID_ARGUMENT",
             "Shared variable 'x' has dtype float but requested dtype was "
             "int32");
    CtlFails(target,
             {"variable-create", "x", "--dtype", "float32", "--shape", "[3]"},
             "INVALID_ARGUMENT",
             "Shared variable 'x' has shape [2] but requested shape was [3]");
    CHECK(CtlLine(target, {"assign", "x", "[1, 2]"}) == "[1.0,2.0]");
    // Wrong dtype, wrong shape, malformed JSON: refused, the value unchanged.
    CtlFails(target, {"assign", "x", R"(["a", "b"])"}, "INVALID_ARGUMENT",
             "float32");
    CtlFails(target, {"assign", "x", "[1, 2, 3]"}, "INVALID_ARGUMENT",
             "Assign requires shapes of both tensors to match. lhs shape= [2] "
             "rhs shape= [3]");
    CtlFails(target, {"assign-add", "x", "[1]"}, "INVALID_ARGUMENT",
             "Parameters and update must be the same size");
    CtlFails(target, {"assign-sub", "x", "[[1, 2]]"}, "INVALID_ARGUMENT",
             "Parameters and update must be the same size");
    CtlFails(target, {"assign", "x", "[1, 2"}, "INVALID_ARGUMENT",
             "Malformed JSON");
    CtlFails(target, {"assign", "x", "-"}, "INVALID_ARGUMENT", "JSON", "[1, ");
    CtlFails(target,
             {"assign", "x", "@" + cluster.dir().path() + "/missing.json"},
             "NOT_FOUND", "missing.json");
    CtlFails(target, {"assign", "x"}, "INVALID_ARGUMENT",
             "usage: troupe ctl assign NAME VALUE");
    CHECK(CtlLine(target, {"read", "x"}) == "[1.0,2.0]");
    // assign_add on a string variable.
    CHECK(CtlLine(target, {"variable-create", "s", "--dtype", "string",
                           "--shape", "[]"}) == R"({"created":true})");
    CHECK(CtlLine(target, {"assign", "s", R"("abc")"}) == R"("abc")");
    CtlFails(target, {"assign-add", "s", R"("d")"}, "INVALID_ARGUMENT",
             "assign_add needs a numeric variable, but 's' has dtype string");
    CHECK(CtlLine(target, {"read", "s"}) == R"("abc")");
  }

  TEST_CASE(
      "cluster: a 64 MiB float32 value goes through assign and read "
      "byte for byte") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    constexpr int64_t kRows = 4 * 1024 * 1024;  // [kRows, 4] float32 = 64 MiB.
    std::vector<float> values(static_cast<size_t>(kRows) * 4);
    uint32_t state = 12345;
    for (float& value : values) {
      state = state * 1664525u + 1013904223u;  // Every bit pattern counts.
      value = static_cast<float>(state >> 8) / 256.0f;
    }
    Tensor big = Tensor::FromVector<float>({kRows, 4}, values);
    REQUIRE(big.byte_size() == 64u * 1024 * 1024);

    Session writer(cluster.target());
    Variable training_set(writer, Options(DT_FLOAT, {kRows, 4}, "big"));
    absl::StatusOr<Tensor> assigned = training_set.assign(big);
    REQUIRE_MESSAGE(assigned.ok(), assigned.status().ToString());
    CHECK(assigned->shape() == Shape{kRows, 4});
    CHECK(std::memcmp(assigned->data(), big.data(), big.byte_size()) == 0);

    // Another session reads it back.
    Session reader(cluster.target());
    Variable same(reader, Options(DT_FLOAT, {kRows, 4}, "big"));
    absl::StatusOr<Tensor> read = same.read();
    REQUIRE_MESSAGE(read.ok(), read.status().ToString());
    REQUIRE(read->shape() == Shape{kRows, 4});
    REQUIRE(read->byte_size() == big.byte_size());
    CHECK(std::memcmp(read->data(), big.data(), big.byte_size()) == 0);
  }
}

}  // namespace
}  // namespace troupe
