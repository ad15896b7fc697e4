// troupe.batch, batch_join, shuffle_batch and shuffle_batch_join:
// TensorFlow's batchers, each a batching queue on a task filled by a runner
// there, returned as a troupe.Batcher whose dequeue() gives the next batch.
#include <cstdint>
#include <memory>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>

#include "cluster/batcher.h"
#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/dtypes.h"
#include "python/numpy_tensor.h"
#include "python/python_filled_queue.h"
#include "python/runner_input.h"
#include "python/session_arg.h"
#include "python/shapes.h"
#include "python/timeout.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

struct PythonBatcher : PythonFilledQueue {};

using StartBatcherFunction = absl::StatusOr<std::unique_ptr<Batcher>> (*)(
    Session&, RunnerSpec, const BatchOptions&);

// What every batcher takes besides its own arguments.
struct CommonArgs {
  bool enqueue_many = false;
  py::handle shapes;
  bool allow_smaller_final_batch = false;
  std::optional<std::string> shared_name;
  py::handle dtypes;
  std::string device;
  std::string container;
};

// Starts batcher `start` over `sources` (one source, or with `join` a list
// of them) with `options` completed from `common` and `input`'s options.
std::unique_ptr<PythonBatcher> StartPythonBatcher(StartBatcherFunction start,
                                                  bool join, py::object session,
                                                  py::handle sources,
                                                  BatchOptions options,
                                                  CommonArgs common,
                                                  const py::kwargs& input) {
  RunnerSpec spec;
  spec.sources = join ? SourcesFromPython(sources)
                      : std::vector<RunnerSource>{SourceFromPython(sources)};
  ApplyInputOptions(input, spec);
  options.enqueue_many = common.enqueue_many;
  options.shapes = ShapesFromPython(common.shapes);
  if (!common.dtypes.is_none()) {
    options.dtypes = DTypesFromPython(common.dtypes);
  }
  options.allow_smaller_final_batch = common.allow_smaller_final_batch;
  options.shared_name = common.shared_name.value_or("");
  options.device = std::move(common.device);
  options.container = std::move(common.container);
  Session& client = SessionFromPython(session);
  auto batcher = std::make_unique<PythonBatcher>();
  batcher->filled =
      CallWithoutGil([&] { return start(client, std::move(spec), options); });
  batcher->session = std::move(session);
  return batcher;
}

}  // namespace

void BindBatchers(py::module_& module) {
  py::class_<PythonBatcher, PythonFilledQueue>(
      module, "Batcher",
      "A batcher's queue, filled on its task from the batcher's input. "
      "dequeue() is what evaluating TensorFlow's batch tensors gives: the "
      "next batch.")
      .def(
          "dequeue",
          [](PythonBatcher& self, std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            auto& batcher = static_cast<Batcher&>(*self.filled);
            return TupleToPython(
                CallWithoutGil([&] { return batcher.NextBatch(wait); }));
          },
          py::arg("timeout") = py::none(),
          "The next batch: a list of arrays (or one array), batch_size rows "
          "each, fewer at the end with allow_smaller_final_batch. "
          "OutOfRangeError once the input ended; the input's error after "
          "it failed.")
      .def_property_readonly("batch_size", [](const PythonBatcher& self) {
        return static_cast<const Batcher&>(*self.filled).batch_size();
      });

  module.def(
      "batch",
      [](py::object session, py::handle tensors, int32_t batch_size,
         int32_t num_threads, int32_t capacity, bool enqueue_many,
         py::handle shapes, bool dynamic_pad, bool allow_smaller_final_batch,
         std::optional<std::string> shared_name, py::handle dtypes,
         std::string device, std::string container, const py::kwargs& input) {
        BatchOptions options;
        options.batch_size = batch_size;
        options.num_threads = num_threads;
        options.capacity = capacity;
        options.dynamic_pad = dynamic_pad;
        return StartPythonBatcher(
            &Batch, false, std::move(session), tensors, options,
            {enqueue_many, shapes, allow_smaller_final_batch,
             std::move(shared_name), dtypes, std::move(device),
             std::move(container)},
            input);
      },
      py::arg("session"), py::arg("tensors"), py::arg("batch_size"),
      py::arg("num_threads") = 1, py::arg("capacity") = 32,
      py::arg("enqueue_many") = false, py::arg("shapes") = py::none(),
      py::arg("dynamic_pad") = false,
      py::arg("allow_smaller_final_batch") = false,
      py::arg("shared_name") = py::none(), py::kw_only(),
      py::arg("dtypes") = py::none(), py::arg("device") = "",
      py::arg("container") = "",
      "TensorFlow's batch over `tensors`: a queue, producer or batcher to "
      "dequeue from, or a troupe.ReaderSource. Keyword input options as "
      "QueueRunner's (record_defaults, components, coordinator, ...).");

  module.def(
      "batch_join",
      [](py::object session, py::handle tensors_list, int32_t batch_size,
         int32_t capacity, bool enqueue_many, py::handle shapes,
         bool dynamic_pad, bool allow_smaller_final_batch,
         std::optional<std::string> shared_name, py::handle dtypes,
         std::string device, std::string container, const py::kwargs& input) {
        BatchOptions options;
        options.batch_size = batch_size;
        options.capacity = capacity;
        options.dynamic_pad = dynamic_pad;
        return StartPythonBatcher(
            &BatchJoin, true, std::move(session), tensors_list, options,
            {enqueue_many, shapes, allow_smaller_final_batch,
             std::move(shared_name), dtypes, std::move(device),
             std::move(container)},
            input);
      },
      py::arg("session"), py::arg("tensors_list"), py::arg("batch_size"),
      py::arg("capacity") = 32, py::arg("enqueue_many") = false,
      py::arg("shapes") = py::none(), py::arg("dynamic_pad") = false,
      py::arg("allow_smaller_final_batch") = false,
      py::arg("shared_name") = py::none(), py::kw_only(),
      py::arg("dtypes") = py::none(), py::arg("device") = "",
      py::arg("container") = "",
      "TensorFlow's batch_join: one thread per source of tensors_list.");

  module.def(
      "shuffle_batch",
      [](py::object session, py::handle tensors, int32_t batch_size,
         int32_t capacity, int32_t min_after_dequeue, int32_t num_threads,
         std::optional<int64_t> seed, bool enqueue_many, py::handle shapes,
         bool allow_smaller_final_batch, std::optional<std::string> shared_name,
         py::handle dtypes, std::string device, std::string container,
         const py::kwargs& input) {
        BatchOptions options;
        options.batch_size = batch_size;
        options.capacity = capacity;
        options.min_after_dequeue = min_after_dequeue;
        options.num_threads = num_threads;
        options.seed = seed.value_or(0);
        return StartPythonBatcher(
            &ShuffleBatch, false, std::move(session), tensors, options,
            {enqueue_many, shapes, allow_smaller_final_batch,
             std::move(shared_name), dtypes, std::move(device),
             std::move(container)},
            input);
      },
      py::arg("session"), py::arg("tensors"), py::arg("batch_size"),
      py::arg("capacity"), py::arg("min_after_dequeue"),
      py::arg("num_threads") = 1, py::arg("seed") = py::none(),
      py::arg("enqueue_many") = false, py::arg("shapes") = py::none(),
      py::arg("allow_smaller_final_batch") = false,
      py::arg("shared_name") = py::none(), py::kw_only(),
      py::arg("dtypes") = py::none(), py::arg("device") = "",
      py::arg("container") = "",
      "TensorFlow's shuffle_batch: a RandomShuffleQueue batches.");

  module.def(
      "shuffle_batch_join",
      [](py::object session, py::handle tensors_list, int32_t batch_size,
         int32_t capacity, int32_t min_after_dequeue,
         std::optional<int64_t> seed, bool enqueue_many, py::handle shapes,
         bool allow_smaller_final_batch, std::optional<std::string> shared_name,
         py::handle dtypes, std::string device, std::string container,
         const py::kwargs& input) {
        BatchOptions options;
        options.batch_size = batch_size;
        options.capacity = capacity;
        options.min_after_dequeue = min_after_dequeue;
        options.seed = seed.value_or(0);
        return StartPythonBatcher(
            &ShuffleBatchJoin, true, std::move(session), tensors_list, options,
            {enqueue_many, shapes, allow_smaller_final_batch,
             std::move(shared_name), dtypes, std::move(device),
             std::move(container)},
            input);
      },
      py::arg("session"), py::arg("tensors_list"), py::arg("batch_size"),
      py::arg("capacity"), py::arg("min_after_dequeue"),
      py::arg("seed") = py::none(), py::arg("enqueue_many") = false,
      py::arg("shapes") = py::none(),
      py::arg("allow_smaller_final_batch") = false,
      py::arg("shared_name") = py::none(), py::kw_only(),
      py::arg("dtypes") = py::none(), py::arg("device") = "",
      py::arg("container") = "",
      "TensorFlow's shuffle_batch_join: one thread per source.");
}

}  // namespace troupe::python
