// The chapter's Figure 12-7: four clients share variables through resource
// containers on the ps task. Clients A and B share x in the default container
// "", clients C and D share another x in the container "my_problem_1", and C
// uses both. Resetting "my_problem_1" frees only its x: reading it fails
// until it is assigned again, while the default container's x keeps its
// value.
//
//   build/bin/shared_variables [HOST:PORT]
#include <iostream>
#include <sstream>
#include <string>

#include "cluster/session.h"
#include "cluster/variable.h"

namespace {

constexpr char kPs[] = "/job:ps/task:0";

// x, a float32 scalar on the ps task, in `container`.
troupe::VariableOptions X(const std::string& container) {
  return {troupe::DT_FLOAT, /*shape=*/{}, /*shared_name=*/"x", kPs, container};
}

std::string Show(const absl::StatusOr<troupe::Tensor>& value) {
  if (!value.ok()) return value.status().ToString();
  std::ostringstream text;
  text << value->flat<float>()[0];
  return text.str();
}

// Prints "client C: <what> -> <value or error>" and returns whether the call
// succeeded.
bool Trace(const char* client, const std::string& what,
           const absl::StatusOr<troupe::Tensor>& value) {
  std::cout << "client " << client << ": " << what << " -> " << Show(value)
            << std::endl;
  return value.ok();
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  using troupe::Tensor;

  // Four clients, each with its own session (its own connection).
  troupe::Session a(target), b(target), c(target), d(target);
  troupe::Variable a_x(a, X(""));
  troupe::Variable b_x(b, X(""));
  troupe::Variable c_x(c, X(""));
  troupe::Variable c_x1(c, X("my_problem_1"));
  troupe::Variable d_x1(d, X("my_problem_1"));

  bool ok = true;
  ok &= Trace("A", "x.assign(1)", a_x.assign(Tensor::Scalar<float>(1)));
  ok &= Trace("B", "x.read()", b_x.read());
  ok &= Trace("B", "x.assign_add(1)", b_x.assign_add(Tensor::Scalar<float>(1)));
  ok &= Trace("A", "x.read()", a_x.read());
  ok &= Trace("D", "my_problem_1/x.assign(10)",
              d_x1.assign(Tensor::Scalar<float>(10)));
  ok &= Trace("C", "my_problem_1/x.assign_add(5)",
              c_x1.assign_add(Tensor::Scalar<float>(5)));
  ok &= Trace("D", "my_problem_1/x.read()", d_x1.read());
  auto in_default = c_x.read();
  auto in_problem = c_x1.read();
  ok &= Trace("C", "x.read()", in_default);
  ok &= Trace("C", "my_problem_1/x.read()", in_problem);
  if (!ok) return 1;
  std::cout << "client C: x + my_problem_1/x = "
            << in_default->flat<float>()[0] + in_problem->flat<float>()[0]
            << std::endl;

  // tf.Session.reset(target, ["my_problem_1"])
  if (auto status = c.reset({"my_problem_1"}); !status.ok()) {
    std::cerr << "shared_variables: reset failed: " << status << std::endl;
    return 1;
  }
  std::cout << "client C: session.reset({\"my_problem_1\"})" << std::endl;

  // The old x of my_problem_1 is gone: a call through a handle to it fails
  // NOT_FOUND, and the client forgets it. The next call declares x again,
  // and the new x must be initialized before it can be used.
  bool freed = !Trace("D", "my_problem_1/x.read()", d_x1.read());
  freed &= !Trace("C", "my_problem_1/x.read()", c_x1.read());
  freed &= !Trace("D", "my_problem_1/x.read() again", d_x1.read());
  // The default container was not reset.
  bool kept = Trace("A", "x.read()", a_x.read());
  kept &= Trace("D", "my_problem_1/x.assign(3)",
                d_x1.assign(Tensor::Scalar<float>(3)));
  kept &= Trace("C", "my_problem_1/x.read()", c_x1.read());
  if (!freed || !kept) {
    std::cerr << "shared_variables: the reset did not behave as expected"
              << std::endl;
    return 1;
  }
  return 0;
}
