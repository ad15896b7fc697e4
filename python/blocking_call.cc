// The Ctrl-C check of blocking calls.
#include "python/blocking_call.h"

#include <Python.h>
#include <pythread.h>

namespace py = pybind11;

namespace troupe::python {

namespace {

constexpr absl::Duration kSignalCheckPeriod = absl::Milliseconds(100);

bool OnMainThread() {
  py::object main_thread =
      py::module_::import("threading").attr("main_thread")();
  return main_thread.attr("ident").cast<unsigned long>() ==
         PyThread_get_thread_ident();
}

}  // namespace

void InterruptibleByPythonSignals(
    std::optional<ScopedCallInterrupt>& interrupt) {
  if (!OnMainThread()) return;
  interrupt.emplace(kSignalCheckPeriod, [] {
    py::gil_scoped_acquire gil;
    return PyErr_CheckSignals() != 0;
  });
}

}  // namespace troupe::python
