// troupe.TextLineReader, TFRecordReader, FixedLengthRecordReader,
// WholeFileReader and IdentityReader: the C++ readers with TensorFlow's
// constructor arguments and verbs, `timeout=` on the calls that may wait.
#include <cstdint>
#include <memory>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>

#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/numpy_tensor.h"
#include "python/python_reader.h"
#include "python/session_arg.h"
#include "python/timeout.h"
#include "python/unique_name.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

// The name of a queue argument: a queue object (its .name) or a str.
std::string QueueName(py::handle queue) {
  if (py::isinstance<py::str>(queue)) return queue.cast<std::string>();
  if (!py::hasattr(queue, "name")) {
    throw py::type_error("queue must be a troupe queue or its shared name");
  }
  return queue.attr("name").cast<std::string>();
}

py::object StringsToNumpy(std::vector<std::string> strings) {
  StringList list;
  for (const std::string& s : strings) list.Append(s);
  const auto count = static_cast<int64_t>(list.size());
  return TensorToNumpy(Tensor::FromStrings({count}, std::move(list)));
}

// Makes reader `spec.type` with `spec`'s options, looked up or created on
// its task at its first call, as Python class `Binding`.
template <class Binding>
std::unique_ptr<Binding> MakeReader(py::object session, ReaderSpec spec,
                                    std::optional<std::string> shared_name,
                                    std::string device, std::string container) {
  ReaderArgs args;
  args.shared_name =
      shared_name ? *std::move(shared_name) : UniqueSharedName(spec.type);
  args.device = std::move(device);
  args.container = std::move(container);
  args.skip_header_lines = spec.skip_header_lines;
  args.record_bytes = spec.record_bytes;
  args.header_bytes = spec.header_bytes;
  args.footer_bytes = spec.footer_bytes;
  args.hop_bytes = spec.hop_bytes;
  args.compression = spec.compression;
  args.skip_corrupt = spec.skip_corrupt;
  Session& client = SessionFromPython(session);
  std::unique_ptr<ReaderBase> reader;
  if (spec.type == "text_line") {
    reader = std::make_unique<TextLineReader>(client, std::move(args));
  } else if (spec.type == "fixed_length_record") {
    reader = std::make_unique<FixedLengthRecordReader>(client, std::move(args));
  } else if (spec.type == "tf_record") {
    reader = std::make_unique<TFRecordReader>(client, std::move(args));
  } else if (spec.type == "whole_file") {
    reader = std::make_unique<WholeFileReader>(client, std::move(args));
  } else {
    reader = std::make_unique<IdentityReader>(client, std::move(args));
  }
  return std::make_unique<Binding>(std::move(session), std::move(reader),
                                   std::move(spec));
}

// One Python class per kind, each a PythonReader.
struct IdentityReaderBinding : PythonReader {
  using PythonReader::PythonReader;
};
struct WholeFileReaderBinding : PythonReader {
  using PythonReader::PythonReader;
};
struct TextLineReaderBinding : PythonReader {
  using PythonReader::PythonReader;
};
struct FixedLengthRecordReaderBinding : PythonReader {
  using PythonReader::PythonReader;
};
struct TFRecordReaderBinding : PythonReader {
  using PythonReader::PythonReader;
};

ReaderSpec SpecOfType(const char* type) {
  ReaderSpec spec;
  spec.type = type;
  return spec;
}

// The keyword arguments every reader kind takes after its own.
#define TROUPE_READER_PLACEMENT_ARGS                                          \
  py::kw_only(), py::arg("shared_name") = py::none(), py::arg("device") = "", \
                 py::arg("container") = ""

template <class Kind>
void BindReaderKind(py::module_& module, const char* name, const char* type,
                    const char* doc) {
  py::class_<Kind, PythonReader>(module, name, doc)
      .def(py::init([type](py::object session,
                           std::optional<std::string> shared_name,
                           std::string device, std::string container) {
             return MakeReader<Kind>(std::move(session), SpecOfType(type),
                                     std::move(shared_name), std::move(device),
                                     std::move(container));
           }),
           py::arg("session"), TROUPE_READER_PLACEMENT_ARGS);
}

}  // namespace

void BindReaders(py::module_& module) {
  py::class_<PythonReader>(
      module, "ReaderBase",
      "What every reader kind does, with TensorFlow's names. A reader lives "
      "on its task (created at its first call); its work units are paths "
      "relative to the task's --data-dir, taken from a filename queue of "
      "string scalars on the same task and container. Thread-safe; calls "
      "that wait release the GIL.")
      .def(
          "read",
          [](PythonReader& self, py::handle queue,
             std::optional<double> timeout) {
            const std::string name = QueueName(queue);
            absl::Duration wait = TimeoutFromSeconds(timeout);
            KeyValue record =
                CallWithoutGil([&] { return self.reader->read(name, wait); });
            return py::make_tuple(py::bytes(record.key),
                                  py::bytes(record.value));
          },
          py::arg("queue"), py::arg("timeout") = py::none(),
          "The next record as (key, value) bytes. OutOfRangeError once the "
          "queue is closed and drained; NotFoundError for a missing file.")
      .def(
          "read_up_to",
          [](PythonReader& self, py::handle queue, int64_t num_records,
             std::optional<double> timeout) {
            const std::string name = QueueName(queue);
            absl::Duration wait = TimeoutFromSeconds(timeout);
            KeysValues batch = CallWithoutGil([&] {
              return self.reader->read_up_to(name, num_records, wait);
            });
            py::object keys = StringsToNumpy(std::move(batch.keys));
            return py::make_tuple(keys,
                                  StringsToNumpy(std::move(batch.values)));
          },
          py::arg("queue"), py::arg("num_records"),
          py::arg("timeout") = py::none(),
          "Up to num_records records of one work unit as (keys, values), "
          "two numpy arrays of bytes.")
      .def("num_records_produced",
           [](PythonReader& self) {
             return CallWithoutGil(
                 [&] { return self.reader->num_records_produced(); });
           })
      .def("num_work_units_completed",
           [](PythonReader& self) {
             return CallWithoutGil(
                 [&] { return self.reader->num_work_units_completed(); });
           })
      .def("reset",
           [](PythonReader& self) {
             CallWithoutGil([&] { return self.reader->reset(); });
           })
      .def("serialize_state",
           [](PythonReader& self) {
             return py::bytes(CallWithoutGil(
                 [&] { return self.reader->serialize_state(); }));
           })
      .def(
          "restore_state",
          [](PythonReader& self, const std::string& state) {
            CallWithoutGil([&] { return self.reader->restore_state(state); });
          },
          py::arg("state"), "Restores serialize_state()'s bytes.")
      .def_property_readonly(
          "name", [](const PythonReader& self) { return self.reader->name(); })
      .def_property_readonly("reader_type", [](const PythonReader& self) {
        return self.spec.type;
      });

  BindReaderKind<IdentityReaderBinding>(
      module, "IdentityReader", "identity",
      "TensorFlow's IdentityReader: key = value = the work unit.");
  BindReaderKind<WholeFileReaderBinding>(
      module, "WholeFileReader", "whole_file",
      "TensorFlow's WholeFileReader: one record per file, its bytes.");

  py::class_<TextLineReaderBinding, PythonReader>(
      module, "TextLineReader",
      "TensorFlow's TextLineReader: one record per line, key "
      "b\"<file>:<line>\".")
      .def(py::init([](py::object session, std::optional<int64_t> skip,
                       std::optional<std::string> shared_name,
                       std::string device, std::string container) {
             ReaderSpec spec = SpecOfType("text_line");
             spec.skip_header_lines = skip.value_or(0);
             return MakeReader<TextLineReaderBinding>(
                 std::move(session), std::move(spec), std::move(shared_name),
                 std::move(device), std::move(container));
           }),
           py::arg("session"), py::arg("skip_header_lines") = py::none(),
           TROUPE_READER_PLACEMENT_ARGS);

  py::class_<FixedLengthRecordReaderBinding, PythonReader>(
      module, "FixedLengthRecordReader",
      "TensorFlow's FixedLengthRecordReader: records of record_bytes; "
      "encoding None, \"GZIP\" or \"ZLIB\".")
      .def(py::init([](py::object session, int64_t record_bytes,
                       std::optional<int64_t> header_bytes,
                       std::optional<int64_t> footer_bytes,
                       std::optional<int64_t> hop_bytes,
                       std::optional<std::string> encoding,
                       std::optional<std::string> shared_name,
                       std::string device, std::string container) {
             ReaderSpec spec = SpecOfType("fixed_length_record");
             spec.record_bytes = record_bytes;
             spec.header_bytes = header_bytes.value_or(0);
             spec.footer_bytes = footer_bytes.value_or(0);
             spec.hop_bytes = hop_bytes.value_or(0);
             spec.compression = encoding.value_or("");
             return MakeReader<FixedLengthRecordReaderBinding>(
                 std::move(session), std::move(spec), std::move(shared_name),
                 std::move(device), std::move(container));
           }),
           py::arg("session"), py::arg("record_bytes"),
           py::arg("header_bytes") = py::none(),
           py::arg("footer_bytes") = py::none(),
           py::arg("hop_bytes") = py::none(), py::arg("encoding") = py::none(),
           TROUPE_READER_PLACEMENT_ARGS);

  py::class_<TFRecordReaderBinding, PythonReader>(
      module, "TFRecordReader",
      "TensorFlow's TFRecordReader: the payloads of a TFRecord file; options "
      "None, \"GZIP\" or \"ZLIB\" (the compression type); skip_corrupt "
      "skips and counts corrupt records instead of failing.")
      .def(
          py::init([](py::object session, std::optional<std::string> options,
                      bool skip_corrupt, std::optional<std::string> shared_name,
                      std::string device, std::string container) {
            ReaderSpec spec = SpecOfType("tf_record");
            spec.compression = options.value_or("");
            spec.skip_corrupt = skip_corrupt;
            return MakeReader<TFRecordReaderBinding>(
                std::move(session), std::move(spec), std::move(shared_name),
                std::move(device), std::move(container));
          }),
          py::arg("session"), py::arg("options") = py::none(), py::kw_only(),
          py::arg("skip_corrupt") = false, py::arg("shared_name") = py::none(),
          py::arg("device") = "", py::arg("container") = "");
}

}  // namespace troupe::python
