// troupe.string_input_producer, range_input_producer, slice_input_producer
// and input_producer: TensorFlow's producers, each a queue on a task filled
// by a runner there, returned as a troupe.Producer.
#include <cstdint>
#include <memory>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>
#include <vector>

#include "cluster/input_producer.h"
#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/inferred_tensor.h"
#include "python/numpy_tensor.h"
#include "python/python_filled_queue.h"
#include "python/session_arg.h"
#include "python/timeout.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

struct PythonProducer : PythonFilledQueue {};

// Binds producer `name`, whose input (TensorFlow's first argument,
// `input_name`) is an `Input`, started by `start`.
template <class Input, class Start>
void BindProducer(py::module_& module, const char* name, const char* doc,
                  const char* input_name, Start start) {
  module.def(
      name,
      [start](py::object session, Input input,
              std::optional<int64_t> num_epochs, bool shuffle,
              std::optional<int64_t> seed, int32_t capacity,
              std::optional<std::string> shared_name,
              std::optional<std::string> coordinator, std::string device,
              std::string container) {
        ProducerOptions options;
        options.num_epochs = num_epochs.value_or(0);
        options.shuffle = shuffle;
        options.seed = seed.value_or(0);
        options.capacity = capacity;
        options.shared_name = shared_name.value_or("");
        options.coordinator = coordinator.value_or("");
        options.device = std::move(device);
        options.container = std::move(container);
        Session& client = SessionFromPython(session);
        auto producer = std::make_unique<PythonProducer>();
        producer->filled = start(client, std::move(input), options);
        producer->session = std::move(session);
        return producer;
      },
      py::arg("session"), py::arg(input_name),
      py::arg("num_epochs") = py::none(), py::arg("shuffle") = true,
      py::arg("seed") = py::none(), py::arg("capacity") = 32,
      py::arg("shared_name") = py::none(), py::kw_only(),
      py::arg("coordinator") = py::none(), py::arg("device") = "",
      py::arg("container") = "", doc);
}

}  // namespace

void BindProducers(py::module_& module) {
  py::class_<PythonProducer, PythonFilledQueue>(
      module, "Producer",
      "A producer's queue, filled on its task one epoch per step (shuffled "
      "unless shuffle=False), closed after num_epochs. Pass it as the source "
      "of a batcher, a QueueRunner or a ReaderSource's filename queue.")
      .def(
          "dequeue",
          [](PythonProducer& self, std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            auto& producer = static_cast<Producer&>(*self.filled);
            return TupleToPython(
                CallWithoutGil([&] { return producer.dequeue(wait); }));
          },
          py::arg("timeout") = py::none(),
          "One element; OutOfRangeError after the last epoch.");

  BindProducer<std::vector<std::string>>(
      module, "string_input_producer",
      "TensorFlow's string_input_producer: a string scalar per element.",
      "string_tensor",
      [](Session& session, std::vector<std::string> strings,
         const ProducerOptions& options) {
        std::unique_ptr<Producer> producer = CallWithoutGil([&] {
          return StringInputProducer(session, std::move(strings), options);
        });
        return producer;
      });
  BindProducer<int64_t>(
      module, "range_input_producer",
      "TensorFlow's range_input_producer: the int32 scalars 0 .. limit-1.",
      "limit",
      [](Session& session, int64_t limit, const ProducerOptions& options) {
        std::unique_ptr<Producer> producer = CallWithoutGil(
            [&] { return RangeInputProducer(session, limit, options); });
        return producer;
      });
  BindProducer<py::list>(
      module, "slice_input_producer",
      "TensorFlow's slice_input_producer: element i is a list with row i of "
      "every array of tensor_list.",
      "tensor_list",
      [](Session& session, const py::list& arrays,
         const ProducerOptions& options) {
        Tuple tensors;
        for (py::handle array : arrays) {
          tensors.push_back(TensorInferringDType(array));
        }
        std::unique_ptr<Producer> producer = CallWithoutGil([&] {
          return SliceInputProducer(session, std::move(tensors), options);
        });
        return producer;
      });
  BindProducer<py::object>(
      module, "input_producer",
      "TensorFlow's input_producer: element i is row i of input_tensor.",
      "input_tensor",
      [](Session& session, const py::object& array,
         const ProducerOptions& options) {
        Tensor tensor = TensorInferringDType(array);
        std::unique_ptr<Producer> producer = CallWithoutGil(
            [&] { return InputProducer(session, std::move(tensor), options); });
        return producer;
      });
}

}  // namespace troupe::python
