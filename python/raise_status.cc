// Raising troupe.errors exceptions from absl::Status.
#include "python/raise_status.h"

#include <Python.h>

#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace troupe::python {

void RaiseIfError(const absl::Status& status) {
  if (status.ok()) return;
  py::object exception_type = py::module_::import("troupe.errors")
                                  .attr("exception_type_from_error_code")(
                                      static_cast<int>(status.code()));
  // Messages may quote bytes that are not UTF-8; those become U+FFFD, the
  // rest of the text stays as it is.
  absl::string_view text = status.message();
  py::object message = py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(
      text.data(), static_cast<Py_ssize_t>(text.size()), "replace"));
  if (!message) throw py::error_already_set();
  py::object exception = exception_type(py::none(), py::none(), message);
  PyErr_SetObject(exception_type.ptr(), exception.ptr());
  throw py::error_already_set();
}

}  // namespace troupe::python
