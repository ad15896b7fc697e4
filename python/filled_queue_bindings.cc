// troupe.FilledQueue: what producers and batchers share, their queue's
// size and close and their runner's status, stop and join.
#include <optional>
#include <pybind11/stl.h>

#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/python_filled_queue.h"
#include "python/timeout.h"

namespace py = pybind11;

namespace troupe::python {

void BindFilledQueue(py::module_& module) {
  py::class_<PythonFilledQueue>(
      module, "FilledQueue",
      "A queue on a task and the QueueRunner that fills it, started "
      "together (producers and batchers). Thread-safe; calls that wait "
      "release the GIL.")
      .def_property_readonly(
          "name",
          [](const PythonFilledQueue& self) { return self.filled->name(); })
      .def("size",
           [](PythonFilledQueue& self) {
             return CallWithoutGil([&] { return self.filled->queue().size(); });
           })
      .def(
          "close",
          [](PythonFilledQueue& self, bool cancel_pending_enqueues,
             std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            CallWithoutGil([&] {
              return self.filled->queue().close(cancel_pending_enqueues, wait);
            });
          },
          py::arg("cancel_pending_enqueues") = false,
          py::arg("timeout") = py::none())
      .def(
          "stop",
          [](PythonFilledQueue& self, std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            CallWithoutGil([&] { return self.filled->runner().stop(wait); });
          },
          py::arg("timeout") = py::none(),
          "Stops its runner, which closes the queue.")
      .def(
          "join",
          [](PythonFilledQueue& self, std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            RunnerStatus status = CallWithoutGil(
                [&] { return self.filled->runner().join(wait); });
            RaiseIfError(status.error());
            return status.state;
          },
          py::arg("timeout") = py::none(),
          "Waits until its runner ended; raises the runner's first error.");
}

}  // namespace troupe::python
