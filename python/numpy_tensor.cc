// Conversions between tensors and numpy arrays.
#include "python/numpy_tensor.h"

#include <cstring>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <string>
#include <utility>

#include "python/dtypes.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

py::module_ Numpy() { return py::module_::import("numpy"); }

Shape ShapeOf(const py::array& array) {
  return Shape(array.shape(), array.shape() + array.ndim());
}

Tensor StringTensorFromPython(py::handle value) {
  py::array array = Numpy().attr("asarray")(value, py::arg("dtype") = "O");
  StringList strings;
  strings.Reserve(static_cast<size_t>(array.size()), 0);
  for (py::handle item : array.attr("ravel")()) {
    if (py::isinstance<py::bytes>(item)) {
      strings.Append(item.cast<std::string>());
    } else if (py::isinstance<py::str>(item)) {
      strings.Append(py::reinterpret_borrow<py::str>(item)
                         .attr("encode")("utf-8")
                         .cast<std::string>());
    } else {
      throw py::type_error("a string component takes bytes or str, not " +
                           py::repr(item).cast<std::string>());
    }
  }
  return Tensor::FromStrings(ShapeOf(array), std::move(strings));
}

}  // namespace

Tensor TensorFromPython(py::handle value, DType dtype) {
  if (dtype == DType::kString) return StringTensorFromPython(value);
  py::module_ numpy = Numpy();
  py::dtype wanted = NumpyDType(dtype);
  py::array array = numpy.attr("asarray")(value);
  if (!array.dtype().equal(wanted)) {
    if (!numpy.attr("can_cast")(array.dtype(), wanted, "same_kind")
             .cast<bool>()) {
      throw py::type_error("cannot convert a value of dtype " +
                           py::str(array.dtype()).cast<std::string>() + " to " +
                           DTypeCliName(dtype));
    }
    array = array.attr("astype")(wanted);
  }
  if (!(array.flags() & py::array::c_style)) array = array.attr("copy")("C");
  std::vector<char> bytes(static_cast<size_t>(array.nbytes()));
  if (!bytes.empty()) std::memcpy(bytes.data(), array.data(), bytes.size());
  return Tensor::FromBytes(dtype, ShapeOf(array), std::move(bytes));
}

py::object TensorToNumpy(const Tensor& tensor) {
  std::vector<py::ssize_t> shape(tensor.shape().begin(), tensor.shape().end());
  if (tensor.dtype() == DType::kString) {
    py::list items;
    for (absl::string_view item : tensor.strings())
      items.append(py::bytes(item.data(), item.size()));
    py::array flat = Numpy().attr("array")(items, py::arg("dtype") = "O");
    return flat.attr("reshape")(py::tuple(py::cast(shape)));
  }
  // The array reads the bytes of a copy of `tensor` (which shares them), and
  // frees that copy when numpy frees the array.
  auto* owner = new Tensor(tensor);
  py::capsule base(owner, [](void* tensor_copy) {
    delete static_cast<Tensor*>(tensor_copy);
  });
  py::array array(NumpyDType(tensor.dtype()), std::move(shape),
                  static_cast<const void*>(owner->data()), base);
  // Tensors are immutable: writing would change bytes other tensors share.
  array.attr("setflags")(py::arg("write") = false);
  return std::move(array);
}

Tuple TupleFromPython(py::handle values, const std::vector<DType>& dtypes) {
  Tuple tuple;
  if (!py::isinstance<py::list>(values) && !py::isinstance<py::tuple>(values)) {
    if (dtypes.size() != 1) {
      throw py::value_error("expected a list of " +
                            std::to_string(dtypes.size()) +
                            " values, one per component, got a single value");
    }
    tuple.push_back(TensorFromPython(values, dtypes[0]));
    return tuple;
  }
  py::sequence components = py::reinterpret_borrow<py::sequence>(values);
  if (components.size() != dtypes.size()) {
    throw py::value_error("expected " + std::to_string(dtypes.size()) +
                          " values, one per component, got " +
                          std::to_string(components.size()));
  }
  for (size_t i = 0; i < dtypes.size(); ++i) {
    tuple.push_back(TensorFromPython(components[i], dtypes[i]));
  }
  return tuple;
}

py::object TupleToPython(const Tuple& tuple) {
  if (tuple.size() == 1) return TensorToNumpy(tuple[0]);
  py::list arrays;
  for (const Tensor& tensor : tuple) arrays.append(TensorToNumpy(tensor));
  return std::move(arrays);
}

}  // namespace troupe::python
