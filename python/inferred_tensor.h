// Tensors from Python values whose dtype is not given, inferred as
// TensorFlow's convert_to_tensor infers it (record defaults, producer data).
#pragma once

#include <pybind11/pybind11.h>

#include "serialization/tensor.h"

namespace troupe::python {

// `value` as a tensor: a numpy array or scalar keeps its dtype; other values
// (lists, Python numbers) become float32 for floats, int32 for integers,
// bool for booleans and string for bytes or str, as in TensorFlow; an empty
// list is float32. REQUIRES: the GIL is held.
Tensor TensorInferringDType(pybind11::handle value);

}  // namespace troupe::python
