// troupe.DType and its conversions to and from Python.
#include "python/dtypes.h"

#include <string>

#include "python/bindings.h"

namespace py = pybind11;

namespace troupe::python {

DType DTypeFromPython(py::handle value) {
  if (py::isinstance<DType>(value)) return value.cast<DType>();
  std::string name;
  if (py::isinstance<py::str>(value)) {
    name = value.cast<std::string>();
  } else {
    try {
      name = py::dtype::from_args(py::reinterpret_borrow<py::object>(value))
                 .attr("name")
                 .cast<std::string>();
    } catch (const py::error_already_set&) {
      throw py::type_error("not a dtype: " +
                           py::repr(value).cast<std::string>());
    }
  }
  absl::StatusOr<DType> dtype = ParseDType(name);
  if (!dtype.ok()) throw py::type_error(std::string(dtype.status().message()));
  return *dtype;
}

std::vector<DType> DTypesFromPython(py::handle values) {
  std::vector<DType> dtypes;
  if (py::isinstance<py::str>(values) ||
      !py::isinstance<py::iterable>(values)) {
    dtypes.push_back(DTypeFromPython(values));
    return dtypes;
  }
  for (py::handle value : values) dtypes.push_back(DTypeFromPython(value));
  return dtypes;
}

py::dtype NumpyDType(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return py::dtype::of<float>();
    case DType::kFloat64:
      return py::dtype::of<double>();
    case DType::kInt8:
      return py::dtype::of<int8_t>();
    case DType::kInt16:
      return py::dtype::of<int16_t>();
    case DType::kInt32:
      return py::dtype::of<int32_t>();
    case DType::kInt64:
      return py::dtype::of<int64_t>();
    case DType::kUint8:
      return py::dtype::of<uint8_t>();
    case DType::kUint16:
      return py::dtype::of<uint16_t>();
    case DType::kBool:
      return py::dtype::of<bool>();
    case DType::kString:
    case DType::kInvalid:
      break;
  }
  return py::dtype("O");
}

void BindDTypes(py::module_& module) {
  py::enum_<DType>(module, "DType", "The element types of Troupe's tensors.")
      .value("float32", DType::kFloat32)
      .value("float64", DType::kFloat64)
      .value("int8", DType::kInt8)
      .value("int16", DType::kInt16)
      .value("int32", DType::kInt32)
      .value("int64", DType::kInt64)
      .value("uint8", DType::kUint8)
      .value("uint16", DType::kUint16)
      .value("bool", DType::kBool)
      .value("string", DType::kString)
      .export_values()
      .def_property_readonly("as_numpy_dtype", &NumpyDType);
  // TensorFlow's other spelling.
  module.attr("double") = DType::kFloat64;
}

}  // namespace troupe::python
