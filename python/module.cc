// The compiled part of the Python package `troupe`: the blocking C++ client
// API (Session, the queues, Variable) with numpy arrays in and out.
#include <pybind11/pybind11.h>

#include "base/version.h"
#include "python/bindings.h"

PYBIND11_MODULE(_troupe, module) {
  module.doc() =
      "Troupe's blocking client: sessions, queues and variables on a cluster "
      "of troupe tasks, with numpy arrays in and out.";
  module.attr("__version__") = troupe::kVersion;
  troupe::python::BindDTypes(module);
  troupe::python::BindSession(module);
  troupe::python::BindQueues(module);
  troupe::python::BindVariable(module);
}
