// Tensors to and from numpy arrays. A numeric tensor becomes a read-only
// array over the tensor's own bytes (no copy; the array keeps the tensor
// alive); an array becomes a tensor with one copy into its buffer. Strings
// are object arrays of bytes.
#pragma once

#include <pybind11/pybind11.h>
#include <vector>

#include "serialization/tensor.h"

namespace troupe::python {

// `value` (a numpy array, a nested list, a scalar, bytes or str) as a tensor
// of `dtype`. TypeError when it does not convert to `dtype` without changing
// its kind (a float array for an int32 component, say).
// REQUIRES: the GIL is held.
Tensor TensorFromPython(pybind11::handle value, DType dtype);

// The numpy array of `tensor`. REQUIRES: the GIL is held.
pybind11::object TensorToNumpy(const Tensor& tensor);

// TensorFlow's rule for the values of enqueue: a list or tuple has one value
// per component, anything else is the single component. ValueError when their
// number is not that of `dtypes`.
Tuple TupleFromPython(pybind11::handle values,
                      const std::vector<DType>& dtypes);

// TensorFlow's rule for what a dequeue returns: the array alone for a single
// component, else a list with one array per component.
pybind11::object TupleToPython(const Tuple& tuple);

}  // namespace troupe::python
