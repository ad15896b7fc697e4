// Troupe's dtypes in Python: troupe.float32 ... troupe.string, the names
// accepted for them ("float32", numpy dtypes) and their numpy dtypes.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <vector>

#include "serialization/dtype.h"

namespace troupe::python {

// `value` as a DType: a troupe.DType, a name ParseDType reads ("float32",
// "float", "int64", "string", ...) or anything numpy.dtype() reads
// (numpy.float32, "f4"). TypeError otherwise.
DType DTypeFromPython(pybind11::handle value);
std::vector<DType> DTypesFromPython(pybind11::handle values);

// The numpy dtype of a numeric or bool `dtype`; object for strings.
pybind11::dtype NumpyDType(DType dtype);

}  // namespace troupe::python
