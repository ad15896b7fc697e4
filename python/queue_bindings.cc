// troupe.FIFOQueue, RandomShuffleQueue, PaddingFIFOQueue and PriorityQueue:
// the C++ queues with TensorFlow's argument names, numpy arrays in and out,
// `timeout=` in seconds on every call that may wait, and `durability=` for a
// durable queue.
#include <cstdint>
#include <memory>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>
#include <vector>

#include "cluster/queue.h"
#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/dtypes.h"
#include "python/numpy_tensor.h"
#include "python/session_arg.h"
#include "python/shapes.h"
#include "python/timeout.h"
#include "python/unique_name.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

// A queue as Python holds it: the C++ queue and the Session it uses, kept
// alive as long as the queue.
class PythonQueue {
 public:
  PythonQueue(py::object session, std::shared_ptr<QueueBase> queue)
      : session_(std::move(session)),
        queue_(std::move(queue)),
        spec_(queue_->spec()) {}

  void enqueue(py::handle values, std::optional<double> timeout) {
    Tuple element = TupleFromPython(values, spec_.dtypes);
    absl::Duration wait = TimeoutFromSeconds(timeout);
    CallWithoutGil([&] { return queue_->enqueue(std::move(element), wait); });
  }
  void enqueue_many(py::handle values, std::optional<double> timeout) {
    Tuple batch = TupleFromPython(values, spec_.dtypes);
    absl::Duration wait = TimeoutFromSeconds(timeout);
    CallWithoutGil(
        [&] { return queue_->enqueue_many(std::move(batch), wait); });
  }
  py::object dequeue(std::optional<double> timeout) {
    absl::Duration wait = TimeoutFromSeconds(timeout);
    return TupleToPython(CallWithoutGil([&] { return queue_->dequeue(wait); }));
  }
  py::object dequeue_many(int32_t n, std::optional<double> timeout) {
    absl::Duration wait = TimeoutFromSeconds(timeout);
    return TupleToPython(
        CallWithoutGil([&] { return queue_->dequeue_many(n, wait); }));
  }
  py::object dequeue_up_to(int32_t n, std::optional<double> timeout) {
    absl::Duration wait = TimeoutFromSeconds(timeout);
    return TupleToPython(
        CallWithoutGil([&] { return queue_->dequeue_up_to(n, wait); }));
  }
  void close(bool cancel_pending_enqueues, std::optional<double> timeout) {
    absl::Duration wait = TimeoutFromSeconds(timeout);
    CallWithoutGil(
        [&] { return queue_->close(cancel_pending_enqueues, wait); });
  }
  int32_t size() {
    return CallWithoutGil([&] { return queue_->size(); });
  }
  bool is_closed() {
    return CallWithoutGil([&] { return queue_->is_closed(); });
  }
  const std::string& name() const { return queue_->name(); }
  // As created; PriorityQueue's include its int64 priority first.
  const QueueSpec& spec() const { return spec_; }

 private:
  py::object session_;
  std::shared_ptr<QueueBase> queue_;
  const QueueSpec spec_;
};

// One Python class per kind, each a PythonQueue.
struct FIFOQueueBinding : PythonQueue {
  using PythonQueue::PythonQueue;
};
struct RandomShuffleQueueBinding : PythonQueue {
  using PythonQueue::PythonQueue;
};
struct PaddingFIFOQueueBinding : PythonQueue {
  using PythonQueue::PythonQueue;
};
struct PriorityQueueBinding : PythonQueue {
  using PythonQueue::PythonQueue;
};

struct QueueArgs {
  int32_t capacity;
  py::handle dtypes;
  py::handle shapes;
  std::optional<std::string> shared_name;
  std::string device;
  std::string container;
  // "always", "everysec", "no"; None: not asked.
  std::optional<std::string> durability;
};

// QueueOptions::durability of the `durability=` argument; ValueError for a
// policy that does not exist.
Durability DurabilityFromPython(const std::optional<std::string>& name) {
  if (!name) return Durability::kNone;
  absl::StatusOr<Durability> durability = ParseAppendfsync(*name);
  if (!durability.ok()) {
    throw py::value_error(std::string(durability.status().message()));
  }
  return *durability;
}

QueueOptions MakeOptions(const QueueArgs& args, const char* default_prefix) {
  QueueOptions options;
  options.capacity = args.capacity;
  options.dtypes = DTypesFromPython(args.dtypes);
  options.shapes = ShapesFromPython(args.shapes);
  options.shared_name =
      args.shared_name ? *args.shared_name : UniqueSharedName(default_prefix);
  options.device = args.device;
  options.container = args.container;
  options.durability = DurabilityFromPython(args.durability);
  return options;
}

// The binding of queue kind `Queue` over `session`.
template <class Binding, class Queue>
std::unique_ptr<Binding> MakeQueue(py::object session, QueueOptions options) {
  auto queue =
      std::make_shared<Queue>(SessionFromPython(session), std::move(options));
  return std::make_unique<Binding>(std::move(session), std::move(queue));
}

// Python class `name` for a queue kind whose constructor takes TensorFlow's
// (capacity, dtypes, shapes) alone; `dtypes_name` is TensorFlow's name of
// the dtypes argument and `shapes_arg` says whether shapes may be left out.
template <class Binding, class Queue, class ShapesArg>
void BindQueueKind(py::module_& module, const char* name, const char* doc,
                   const char* dtypes_name, ShapesArg shapes_arg,
                   const char* default_prefix) {
  py::class_<Binding, PythonQueue>(module, name, doc)
      .def(py::init([default_prefix](py::object session, int32_t capacity,
                                     py::handle dtypes, py::handle shapes,
                                     std::optional<std::string> shared_name,
                                     std::string device, std::string container,
                                     std::optional<std::string> durability) {
             return MakeQueue<Binding, Queue>(
                 std::move(session),
                 MakeOptions({capacity, dtypes, shapes, std::move(shared_name),
                              std::move(device), std::move(container),
                              std::move(durability)},
                             default_prefix));
           }),
           py::arg("session"), py::arg("capacity"), py::arg(dtypes_name),
           shapes_arg, py::kw_only(), py::arg("shared_name") = py::none(),
           py::arg("device") = "", py::arg("container") = "",
           py::arg("durability") = py::none());
}

}  // namespace

void BindQueues(py::module_& module) {
  py::class_<PythonQueue>(
      module, "QueueBase",
      "What every queue kind does, with TensorFlow's names. "
      "Thread-safe; calls that wait release the GIL.")
      .def("enqueue", &PythonQueue::enqueue, py::arg("vals"),
           py::arg("timeout") = py::none(),
           "Enqueues one element: a list or tuple with one value per "
           "component, or a bare value when the queue has one component.")
      .def("enqueue_many", &PythonQueue::enqueue_many, py::arg("vals"),
           py::arg("timeout") = py::none(),
           "Enqueues a batch: every component has the batch as dimension 0.")
      .def("dequeue", &PythonQueue::dequeue, py::arg("timeout") = py::none(),
           "One element: a list of arrays, or the array alone when the queue "
           "has one component.")
      .def("dequeue_many", &PythonQueue::dequeue_many, py::arg("n"),
           py::arg("timeout") = py::none(),
           "Exactly n elements, batched along dimension 0.")
      .def("dequeue_up_to", &PythonQueue::dequeue_up_to, py::arg("n"),
           py::arg("timeout") = py::none(),
           "Between 1 and n elements once the queue is closed, else n.")
      .def("close", &PythonQueue::close,
           py::arg("cancel_pending_enqueues") = false,
           py::arg("timeout") = py::none())
      .def("size", &PythonQueue::size)
      .def("is_closed", &PythonQueue::is_closed)
      .def_property_readonly("name", &PythonQueue::name)
      .def_property_readonly(
          "dtypes",
          [](const PythonQueue& queue) { return queue.spec().dtypes; })
      .def_property_readonly("shapes", [](const PythonQueue& queue) {
        return ShapesToPython(queue.spec().shapes);
      });

  BindQueueKind<FIFOQueueBinding, FIFOQueue>(
      module, "FIFOQueue", "TensorFlow's FIFOQueue.", "dtypes",
      py::arg("shapes") = py::none(), "fifo_queue");
  py::class_<RandomShuffleQueueBinding, PythonQueue>(
      module, "RandomShuffleQueue",
      "TensorFlow's RandomShuffleQueue: elements leave in a random order, and "
      "dequeues leave min_after_dequeue elements while the queue is open.")
      .def(py::init([](py::object session, int32_t capacity,
                       int32_t min_after_dequeue, py::handle dtypes,
                       py::handle shapes, std::optional<int64_t> seed,
                       std::optional<int64_t> seed2,
                       std::optional<std::string> shared_name,
                       std::string device, std::string container,
                       std::optional<std::string> durability) {
             QueueOptions options =
                 MakeOptions({capacity, dtypes, shapes, std::move(shared_name),
                              std::move(device), std::move(container),
                              std::move(durability)},
                             "random_shuffle_queue");
             options.min_after_dequeue = min_after_dequeue;
             options.seed = seed.value_or(0);
             options.seed2 = seed2.value_or(0);
             return MakeQueue<RandomShuffleQueueBinding, RandomShuffleQueue>(
                 std::move(session), std::move(options));
           }),
           py::arg("session"), py::arg("capacity"),
           py::arg("min_after_dequeue"), py::arg("dtypes"),
           py::arg("shapes") = py::none(), py::kw_only(),
           py::arg("seed") = py::none(), py::arg("seed2") = py::none(),
           py::arg("shared_name") = py::none(), py::arg("device") = "",
           py::arg("container") = "", py::arg("durability") = py::none());

  BindQueueKind<PaddingFIFOQueueBinding, PaddingFIFOQueue>(
      module, "PaddingFIFOQueue",
      "TensorFlow's PaddingFIFOQueue: shapes may have unknown dimensions "
      "(None), which dequeue_many and dequeue_up_to pad.",
      "dtypes", py::arg("shapes"), "padding_fifo_queue");
  BindQueueKind<PriorityQueueBinding, PriorityQueue>(
      module, "PriorityQueue",
      "TensorFlow's PriorityQueue: every element carries an int64 priority as "
      "its first component (smallest first); `types` and `shapes` describe "
      "the other components.",
      "types", py::arg("shapes") = py::none(), "priority_queue");
}

}  // namespace troupe::python
