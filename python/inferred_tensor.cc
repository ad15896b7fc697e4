// The dtype of a Python value given without one, as TensorFlow infers it.
#include "python/inferred_tensor.h"

#include <pybind11/numpy.h>
#include <string>

#include "python/dtypes.h"
#include "python/numpy_tensor.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

// TensorFlow's dtype for a numpy array made from Python values: its
// Python floats and ints are float32 and int32.
DType DTypeOfPythonValues(const py::array& array) {
  const char kind = array.dtype().kind();
  if (kind == 'f') return DType::kFloat32;
  if (kind == 'i' || kind == 'u') return DType::kInt32;
  if (kind == 'b') return DType::kBool;
  return DType::kString;
}

}  // namespace

Tensor TensorInferringDType(py::handle value) {
  py::module_ numpy = py::module_::import("numpy");
  const bool is_numpy = py::isinstance(value, numpy.attr("ndarray")) ||
                        py::isinstance(value, numpy.attr("generic"));
  py::array array = numpy.attr("asarray")(value);
  if (array.size() == 0 && !is_numpy) {
    return TensorFromPython(array, DType::kFloat32);
  }
  const char kind = array.dtype().kind();
  if (kind == 'S' || kind == 'U' || kind == 'O') {
    return TensorFromPython(array, DType::kString);
  }
  return TensorFromPython(array, is_numpy ? DTypeFromPython(array.dtype())
                                          : DTypeOfPythonValues(array));
}

}  // namespace troupe::python
