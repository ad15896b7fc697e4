// The compiled part of the Python package `troupe`: the blocking C++ client
// API (Session, the queues, Variable, Saver, readers, runners, producers and
// batchers) with numpy arrays in and out.
#include <pybind11/pybind11.h>

#include "base/version.h"
#include "python/bindings.h"
#include "python/runner_input.h"

PYBIND11_MODULE(_troupe, module) {
  module.doc() =
      "Troupe's blocking client: sessions, queues, variables, readers, "
      "queue runners, producers and batchers on a cluster of troupe tasks, "
      "with numpy arrays in and out.";
  module.attr("__version__") = troupe::kVersion;
  troupe::python::BindDTypes(module);
  troupe::python::BindSession(module);
  troupe::python::BindQueues(module);
  troupe::python::BindVariable(module);
  troupe::python::BindSaver(module);
  troupe::python::BindReaders(module);
  troupe::python::BindDecodeCsv(module);
  troupe::python::BindReaderSource(module);
  troupe::python::BindRunners(module);
  troupe::python::BindFilledQueue(module);
  troupe::python::BindProducers(module);
  troupe::python::BindBatchers(module);
}
