// troupe.Session: a connection to one task, with reset and list.
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <vector>

#include "cluster/session.h"
#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/shapes.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

py::dict ResourceToPython(const ResourceInfo& info) {
  py::dict result;
  result["container"] = info.container;
  result["name"] = info.name;
  if (info.is_variable) {
    result["kind"] = "Variable";
    result["dtype"] = info.variable.dtype;
    result["shape"] = info.variable.shape;
    result["initialized"] = info.initialized;
    result["bytes_held"] = info.bytes_held;
  } else if (!info.runner_state.empty()) {
    result["kind"] = "QueueRunner";
    result["state"] = info.runner_state;
    result["target"] = info.runner_target;
    result["steps"] = info.runner_steps;
  } else if (!info.reader_kind.empty()) {
    result["kind"] = info.reader_kind;
    result["records_produced"] = info.records_produced;
    result["work_units_completed"] = info.work_units_completed;
    result["records_skipped"] = info.records_skipped;
  } else {
    result["kind"] = QueueKindName(info.spec.kind);
    result["capacity"] = info.spec.capacity;
    result["dtypes"] = info.spec.dtypes;
    result["shapes"] = ShapesToPython(info.spec.shapes);
    result["size"] = info.size;
    result["closed"] = info.closed;
    result["waiting_enqueues"] = info.waiting_enqueues;
    result["waiting_dequeues"] = info.waiting_dequeues;
    result["enqueued_total"] = info.enqueued_total;
    result["dequeued_total"] = info.dequeued_total;
    result["bytes_held"] = info.bytes_held;
  }
  return result;
}

}  // namespace

void BindSession(py::module_& module) {
  py::class_<Session>(module, "Session",
                      "A connection to one task of a cluster (its target, "
                      "\"host:port\"), through which every task is reached. "
                      "Usable from several threads at once.")
      .def(py::init([](std::string target) {
             py::gil_scoped_release release;
             return std::make_unique<Session>(std::move(target));
           }),
           py::arg("target"))
      .def_property_readonly("target", &Session::target)
      .def(
          "reset",
          [](Session& session,
             std::optional<std::vector<std::string>> containers,
             const std::string& device) {
            std::vector<std::string> names =
                containers.value_or(std::vector<std::string>{});
            CallWithoutGil([&] { return session.reset(names, device); });
          },
          py::arg("containers") = py::none(), py::arg("device") = "",
          "Frees `containers` (default: the container \"\") on `device` "
          "(default: the target). Calls waiting on their resources fail with "
          "CancelledError, later calls through old handles NotFoundError.")
      .def(
          "list",
          [](Session& session, const std::string& device) {
            std::vector<ResourceInfo> resources =
                CallWithoutGil([&] { return session.list(device); });
            py::list result;
            for (const ResourceInfo& info : resources) {
              result.append(ResourceToPython(info));
            }
            return result;
          },
          py::arg("device") = "",
          "Every resource on `device` (default: the target), as dicts.");
}

}  // namespace troupe::python
