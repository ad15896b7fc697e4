// troupe.QueueRunner and troupe.Coordinator: runners that fill a queue on
// its task from a queue, a producer or a reader, and the coordinators that
// stop and join them, with `timeout=` on the calls that may wait.
#include <atomic>
#include <memory>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>

#include "cluster/runner.h"
#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/runner_input.h"
#include "python/session_arg.h"
#include "python/timeout.h"
#include "python/unique_name.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

py::dict StatusToPython(const RunnerStatus& status) {
  py::dict result;
  result["state"] = status.state;
  result["steps"] = status.steps;
  if (status.error_code == 0) {
    result["error"] = py::none();
  } else {
    result["error"] = status.error().ToString();
  }
  return result;
}

// The state of an ended runner or coordinator; its first error raised.
std::string EndedOrRaise(const RunnerStatus& status) {
  RaiseIfError(status.error());
  return status.state;
}

struct PythonQueueRunner {
  py::object session;
  std::string name;
  std::unique_ptr<QueueRunner> runner;
};

struct PythonCoordinator {
  py::object session;
  std::string name;
  std::unique_ptr<Coordinator> coordinator;
  std::atomic<bool> stop_requested{false};
};

}  // namespace

void BindRunners(py::module_& module) {
  py::class_<PythonQueueRunner>(
      module, "QueueRunner",
      "TensorFlow's QueueRunner, run on the queue's task: `threads` steps at "
      "once each take from `source` (a queue, producer or batcher to dequeue "
      "from, or a troupe.ReaderSource; a list of sources runs one thread per "
      "source) and enqueue into `queue`. Keyword options: record_defaults, "
      "field_delim, use_quote_delim, na_value, select_cols (decode_csv of "
      "each record), components (columns to components, [[0, 1], 2] stacks "
      "columns 0 and 1), coordinator. When its sources end it closes "
      "`queue`; its first error closes `queue` with that error and stops its "
      "coordinator. Nothing runs until start().")
      .def(py::init([](py::object session, py::handle queue, py::handle source,
                       int32_t threads, std::optional<std::string> name,
                       bool enqueue_many, std::string device,
                       std::string container, const py::kwargs& options) {
             RunnerSpec spec;
             spec.target = queue.attr("name").cast<std::string>();
             spec.threads = threads;
             spec.enqueue_many = enqueue_many;
             if (py::isinstance<py::list>(source) ||
                 py::isinstance<py::tuple>(source)) {
               spec.sources = SourcesFromPython(source);
             } else {
               spec.sources = {SourceFromPython(source)};
             }
             ApplyInputOptions(options, spec);
             auto result = std::make_unique<PythonQueueRunner>();
             result->name = name ? *name : UniqueSharedName("queue_runner");
             result->runner = std::make_unique<QueueRunner>(
                 SessionFromPython(session), result->name, std::move(spec),
                 std::move(device), std::move(container));
             result->session = std::move(session);
             return result;
           }),
           py::arg("session"), py::arg("queue"), py::arg("source"),
           py::arg("threads") = 1, py::kw_only(), py::arg("name") = py::none(),
           py::arg("enqueue_many") = false, py::arg("device") = "",
           py::arg("container") = "")
      .def(
          "start",
          [](PythonQueueRunner& self) {
            return CallWithoutGil([&] { return self.runner->start(); }).started;
          },
          "Starts it; False when it was running already. NotFoundError "
          "naming a queue or reader that does not exist.")
      .def(
          "status",
          [](PythonQueueRunner& self) {
            return StatusToPython(
                CallWithoutGil([&] { return self.runner->status(); }));
          },
          "{\"state\": \"running\"|\"finished\"|\"failed\"|\"stopped\", "
          "\"steps\": n, \"error\": None or \"CODE: text\"}.")
      .def(
          "stop",
          [](PythonQueueRunner& self, std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            CallWithoutGil([&] { return self.runner->stop(wait); });
          },
          py::arg("timeout") = py::none(),
          "Cancels its steps and closes its queue; returns once it ended.")
      .def(
          "join",
          [](PythonQueueRunner& self, std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            return EndedOrRaise(
                CallWithoutGil([&] { return self.runner->join(wait); }));
          },
          py::arg("timeout") = py::none(),
          "Waits until it ended and returns its state; raises its first "
          "error if it failed.")
      .def_property_readonly(
          "name", [](const PythonQueueRunner& self) { return self.name; });

  py::class_<PythonCoordinator>(
      module, "Coordinator",
      "TensorFlow's Coordinator over the runners whose `coordinator=` names "
      "it, on one task.")
      .def(py::init([](py::object session, std::optional<std::string> name,
                       std::string device, std::string container) {
             auto result = std::make_unique<PythonCoordinator>();
             result->name = name ? *name : UniqueSharedName("coordinator");
             result->coordinator = std::make_unique<Coordinator>(
                 SessionFromPython(session), result->name, std::move(device),
                 std::move(container));
             result->session = std::move(session);
             return result;
           }),
           py::arg("session"), py::arg("name") = py::none(), py::kw_only(),
           py::arg("device") = "", py::arg("container") = "")
      .def(
          "request_stop",
          [](PythonCoordinator& self, std::optional<double> timeout) {
            self.stop_requested = true;
            absl::Duration wait = TimeoutFromSeconds(timeout);
            CallWithoutGil(
                [&] { return self.coordinator->request_stop(wait); });
          },
          py::arg("timeout") = py::none(),
          "Stops every runner of it, returning once they ended; runners "
          "started on it later end at once.")
      .def(
          "should_stop",
          [](PythonCoordinator& self) {
            if (self.stop_requested) return true;
            return CallWithoutGil(
                [&]() { return self.coordinator->should_stop(); });
          },
          "True once a stop was requested or a runner of it failed.")
      .def(
          "join",
          [](PythonCoordinator& self, std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            return EndedOrRaise(
                CallWithoutGil([&] { return self.coordinator->join(wait); }));
          },
          py::arg("timeout") = py::none(),
          "Waits until every runner of it ended and returns \"finished\" or "
          "\"stopped\"; raises the first error of any of them.")
      .def_property_readonly(
          "name", [](const PythonCoordinator& self) { return self.name; });
}

}  // namespace troupe::python
