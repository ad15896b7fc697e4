#include "cluster/input_producer.h"

#include <utility>

#include "base/status_macros.h"
#include "cluster/runner_sources.h"

namespace troupe {

absl::StatusOr<Tuple> Producer::dequeue(absl::Duration timeout) {
  return queue().dequeue(timeout);
}

QueueSpec ProducerQueueSpec(const RunnerSource& source, int32_t capacity) {
  QueueSpec spec;
  spec.kind = QueueKind::kFifo;
  spec.capacity = capacity;
  if (source.kind == RunnerSource::kStrings ||
      source.kind == RunnerSource::kRange) {
    spec.dtypes = {source.kind == RunnerSource::kStrings ? DType::kString
                                                         : DType::kInt32};
    spec.shapes = {PartialShape()};
    return spec;
  }
  for (const Tensor& tensor : source.tensors) {
    spec.dtypes.push_back(tensor.dtype());
    spec.shapes.push_back(tensor.shape().empty()
                              ? PartialShape()
                              : PartialShape(Shape(tensor.shape().begin() + 1,
                                                   tensor.shape().end())));
  }
  return spec;
}

absl::StatusOr<std::unique_ptr<Producer>> StartProducer(
    Session& session, RunnerSource source, const ProducerOptions& options) {
  const QueueSpec queue_spec = ProducerQueueSpec(source, options.capacity);
  RunnerSpec spec;
  spec.sources = {std::move(source)};
  spec.coordinator = options.coordinator;
  spec.num_epochs = options.num_epochs;
  spec.shuffle = options.shuffle;
  spec.seed = options.seed;
  std::unique_ptr<Producer> producer(new Producer());
  TROUPE_RETURN_IF_ERROR(producer->Start(
      session, "input_producer", options.shared_name, queue_spec,
      std::move(spec), options.device, options.container));
  return producer;
}

absl::StatusOr<std::unique_ptr<Producer>> StringInputProducer(
    Session& session, std::vector<std::string> strings,
    ProducerOptions options) {
  return StartProducer(session, StringsSource(std::move(strings)), options);
}

absl::StatusOr<std::unique_ptr<Producer>> RangeInputProducer(
    Session& session, int64_t limit, ProducerOptions options) {
  return StartProducer(session, RangeSource(limit), options);
}

absl::StatusOr<std::unique_ptr<Producer>> SliceInputProducer(
    Session& session, Tuple tensors, ProducerOptions options) {
  return StartProducer(session, SlicesSource(std::move(tensors)), options);
}

absl::StatusOr<std::unique_ptr<Producer>> InputProducer(
    Session& session, Tensor tensor, ProducerOptions options) {
  return StartProducer(session, TensorSource(std::move(tensor)), options);
}

}  // namespace troupe
