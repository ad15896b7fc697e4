// troupe.Session: a connection to one task (mutual TLS if given the files),
// with reset and list.
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <vector>

#include "cluster/session.h"
#include "net/tls_stream.h"
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
    if (info.spec.durable()) {
      result["durability"] = DurabilityName(info.spec.durability);
    }
  }
  return result;
}

// The TlsFiles of the three tls_* arguments: all of them or none;
// InvalidArgumentError for files that cannot be used.
std::optional<TlsFiles> TlsFilesFromPython(
    std::optional<std::string> certificate, std::optional<std::string> key,
    std::optional<std::string> ca) {
  const int given = certificate.has_value() + key.has_value() + ca.has_value();
  if (given == 0) return std::nullopt;
  if (given != 3) {
    throw py::value_error(
        "TLS needs all of tls_certificate, tls_key and tls_ca");
  }
  TlsFiles files{*std::move(certificate), *std::move(key), *std::move(ca)};
  RaiseIfError(MakeTlsContext(files).status());
  return files;
}

}  // namespace

void BindSession(py::module_& module) {
  py::class_<Session>(module, "Session",
                      "A connection to one task of a cluster (its target, "
                      "\"host:port\"), through which every task is reached. "
                      "Usable from several threads at once.")
      .def(py::init([](std::string target,
                       std::optional<std::string> tls_certificate,
                       std::optional<std::string> tls_key,
                       std::optional<std::string> tls_ca) {
             NodeOptions options;
             options.tls =
                 TlsFilesFromPython(std::move(tls_certificate),
                                    std::move(tls_key), std::move(tls_ca));
             py::gil_scoped_release release;
             return std::make_unique<Session>(std::move(target), options);
           }),
           py::arg("target"), py::kw_only(),
           py::arg("tls_certificate") = py::none(),
           py::arg("tls_key") = py::none(), py::arg("tls_ca") = py::none(),
           "With tls_certificate, tls_key and tls_ca (PEM files: this "
           "client's certificate, its unencrypted key, the CA that signed "
           "the cluster's tasks), the session speaks mutual TLS.")
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
