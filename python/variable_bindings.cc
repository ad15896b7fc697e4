// troupe.Variable: the C++ variable with TensorFlow's method names and numpy
// arrays in and out. A variable never waits, so its calls take no timeout
// (cluster/variable.h).
#include <memory>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>

#include "cluster/variable.h"
#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/dtypes.h"
#include "python/numpy_tensor.h"
#include "python/session_arg.h"
#include "python/unique_name.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

// A variable as Python holds it: the C++ variable and the Session it uses,
// kept alive as long as the variable.
class PythonVariable {
 public:
  PythonVariable(py::object session, VariableOptions options)
      : session_(std::move(session)),
        dtype_(options.dtype),
        variable_(std::make_unique<Variable>(SessionFromPython(session_),
                                             std::move(options))) {}

  py::object assign(py::handle value, bool validate_shape) {
    Tensor tensor = TensorFromPython(value, dtype_);
    return TensorToNumpy(CallWithoutGil(
        [&] { return variable_->assign(std::move(tensor), validate_shape); }));
  }
  py::object assign_add(py::handle delta) {
    Tensor tensor = TensorFromPython(delta, dtype_);
    return TensorToNumpy(CallWithoutGil(
        [&] { return variable_->assign_add(std::move(tensor)); }));
  }
  py::object assign_sub(py::handle delta) {
    Tensor tensor = TensorFromPython(delta, dtype_);
    return TensorToNumpy(CallWithoutGil(
        [&] { return variable_->assign_sub(std::move(tensor)); }));
  }
  py::object read_value() {
    return TensorToNumpy(CallWithoutGil([&] { return variable_->read(); }));
  }
  bool is_initialized() {
    return CallWithoutGil([&] { return variable_->is_initialized(); });
  }
  const std::string& name() const { return variable_->name(); }
  VariableSpec spec() { return variable_->spec(); }

 private:
  py::object session_;
  // The declared dtype, which the task checks at the first call.
  const DType dtype_;
  std::unique_ptr<Variable> variable_;
};

}  // namespace

void BindVariable(py::module_& module) {
  py::class_<PythonVariable>(
      module, "Variable",
      "A variable on a task, shared by name. It must be assigned before it is "
      "read or updated (FailedPreconditionError). Thread-safe.")
      .def(py::init([](py::object session, py::handle dtype, Shape shape,
                       std::optional<std::string> shared_name,
                       std::string device, std::string container) {
             VariableOptions options;
             options.dtype = DTypeFromPython(dtype);
             options.shape = std::move(shape);
             options.shared_name =
                 shared_name ? *shared_name : UniqueSharedName("variable");
             options.device = std::move(device);
             options.container = std::move(container);
             return std::make_unique<PythonVariable>(std::move(session),
                                                     std::move(options));
           }),
           py::arg("session"), py::arg("dtype"), py::arg("shape"),
           py::kw_only(), py::arg("shared_name") = py::none(),
           py::arg("device") = "", py::arg("container") = "")
      .def("assign", &PythonVariable::assign, py::arg("value"),
           py::arg("validate_shape") = true,
           "Replaces the value and returns it.")
      .def("assign_add", &PythonVariable::assign_add, py::arg("delta"),
           "Adds `delta` element-wise and returns the new value.")
      .def("assign_sub", &PythonVariable::assign_sub, py::arg("delta"),
           "Subtracts `delta` element-wise and returns the new value.")
      .def("read_value", &PythonVariable::read_value)
      .def("is_initialized", &PythonVariable::is_initialized)
      .def_property_readonly("name", &PythonVariable::name)
      .def_property_readonly(
          "dtype",
          [](PythonVariable& variable) { return variable.spec().dtype; })
      .def_property_readonly("shape", [](PythonVariable& variable) {
        return variable.spec().shape;
      });
}

}  // namespace troupe::python
