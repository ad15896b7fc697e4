// The sources and input options of runners and batchers from Python.
#include "python/runner_input.h"

#include <cstdint>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "cluster/runner_sources.h"
#include "python/inferred_tensor.h"
#include "python/python_reader.h"
#include "python/raise_status.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

// A reader step: read (or read_up_to) with `reader` from filename queue
// `queue`.
struct ReaderSourceBinding {
  RunnerSource source;
};

std::string NameOf(py::handle object, const char* what) {
  if (py::isinstance<py::str>(object)) return object.cast<std::string>();
  if (!py::hasattr(object, "name")) {
    throw py::type_error(absl::StrCat(what,
                                      " must be a troupe object or its "
                                      "shared name, not ",
                                      py::repr(object).cast<std::string>()));
  }
  return object.attr("name").cast<std::string>();
}

// decode_csv's column of default `value` ([] or one value).
CsvColumn CsvColumnFromPython(py::handle value, size_t field) {
  Tensor tensor = TensorInferringDType(value);
  CsvColumn column;
  column.dtype = tensor.dtype();
  column.required = tensor.num_elements() == 0;
  if (tensor.num_elements() > 1) {
    RaiseIfError(absl::InvalidArgumentError(
        absl::StrCat("There should only be 1 default per field but field ",
                     field, " has ", tensor.num_elements())));
  }
  if (column.required) return column;
  switch (tensor.dtype()) {
    case DType::kFloat32:
      column.default_text = absl::StrFormat("%.9g", tensor.flat<float>()[0]);
      break;
    case DType::kFloat64:
      column.default_text = absl::StrFormat("%.17g", tensor.flat<double>()[0]);
      break;
    case DType::kInt32:
      column.default_text = absl::StrCat(tensor.flat<int32_t>()[0]);
      break;
    case DType::kInt64:
      column.default_text = absl::StrCat(tensor.flat<int64_t>()[0]);
      break;
    case DType::kString:
      column.default_text = std::string(tensor.strings()[0]);
      break;
    default:
      RaiseIfError(absl::InvalidArgumentError(
          absl::StrCat("csv: data type ", DTypeCliName(tensor.dtype()),
                       " not supported in field ", field)));
  }
  return column;
}

std::vector<std::vector<int64_t>> ComponentsFromPython(py::handle components) {
  std::vector<std::vector<int64_t>> result;
  for (py::handle entry : components) {
    if (py::isinstance<py::int_>(entry)) {
      result.push_back({entry.cast<int64_t>()});
    } else {
      result.push_back(entry.cast<std::vector<int64_t>>());
    }
  }
  return result;
}

}  // namespace

void BindReaderSource(py::module_& module) {
  py::class_<ReaderSourceBinding>(
      module, "ReaderSource",
      "A runner's or batcher's step that reads a record with `reader` from "
      "filename queue `queue` (read_up_to(num_records) when given, enqueued "
      "as a batch). With reader_per_thread every thread has a reader of its "
      "own with `reader`'s options (the book's cell 24), else all threads "
      "share `reader` (cell 23).")
      .def(py::init([](const PythonReader& reader, py::handle queue,
                       std::optional<int64_t> num_records,
                       bool reader_per_thread) {
             ReaderSourceBinding binding;
             binding.source.kind = RunnerSource::kReader;
             binding.source.queue = NameOf(queue, "queue");
             binding.source.up_to = num_records.value_or(0);
             if (reader_per_thread) {
               binding.source.inline_reader = true;
               binding.source.reader_spec = reader.spec;
             } else {
               binding.source.reader = reader.reader->name();
             }
             return binding;
           }),
           py::arg("reader"), py::arg("queue"),
           py::arg("num_records") = py::none(), py::kw_only(),
           py::arg("reader_per_thread") = false);
}

RunnerSource SourceFromPython(py::handle source) {
  if (py::isinstance<ReaderSourceBinding>(source)) {
    return source.cast<const ReaderSourceBinding&>().source;
  }
  return DequeueSource(NameOf(source, "a source"));
}

std::vector<RunnerSource> SourcesFromPython(py::handle sources) {
  if (!py::isinstance<py::list>(sources) &&
      !py::isinstance<py::tuple>(sources)) {
    throw py::type_error("expected a list of sources");
  }
  std::vector<RunnerSource> result;
  for (py::handle source : sources) result.push_back(SourceFromPython(source));
  return result;
}

void ApplyInputOptions(const py::dict& options, RunnerSpec& spec) {
  for (const auto& [key, value] : options) {
    const std::string name = key.cast<std::string>();
    if (name == "record_defaults") {
      spec.csv_columns.clear();
      for (py::handle entry : value) {
        spec.csv_columns.push_back(
            CsvColumnFromPython(entry, spec.csv_columns.size()));
      }
    } else if (name == "field_delim") {
      spec.field_delim = value.cast<std::string>();
    } else if (name == "use_quote_delim") {
      spec.use_quote_delim = value.cast<bool>();
    } else if (name == "na_value") {
      spec.na_value = value.cast<std::string>();
    } else if (name == "select_cols") {
      spec.select_cols = value.cast<std::vector<int64_t>>();
    } else if (name == "components") {
      spec.components = ComponentsFromPython(value);
    } else if (name == "coordinator") {
      spec.coordinator = NameOf(value, "coordinator");
    } else {
      throw py::type_error("unexpected keyword argument '" + name + "'");
    }
  }
}

}  // namespace troupe::python
