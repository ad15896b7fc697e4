// The pieces of the Python module troupe._troupe, each defined in its own
// file and added to the module by module.cc.
#pragma once

#include <pybind11/pybind11.h>

namespace troupe::python {

// troupe.DType and its values (troupe.float32, ...).
void BindDTypes(pybind11::module_& module);
// troupe.Session.
void BindSession(pybind11::module_& module);
// troupe.FIFOQueue, RandomShuffleQueue, PaddingFIFOQueue, PriorityQueue.
void BindQueues(pybind11::module_& module);
// troupe.Variable.
void BindVariable(pybind11::module_& module);

}  // namespace troupe::python
