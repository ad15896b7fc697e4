#include "cluster/runner_sources.h"

#include <utility>

namespace troupe {
namespace {

RunnerSource OfKind(RunnerSource::Kind kind) {
  RunnerSource source;
  source.kind = kind;
  return source;
}

}  // namespace

RunnerSource DequeueSource(std::string queue) {
  RunnerSource source = OfKind(RunnerSource::kDequeue);
  source.queue = std::move(queue);
  return source;
}

RunnerSource StringsSource(std::vector<std::string> strings) {
  RunnerSource source = OfKind(RunnerSource::kStrings);
  source.strings = std::move(strings);
  return source;
}

RunnerSource RangeSource(int64_t limit) {
  RunnerSource source = OfKind(RunnerSource::kRange);
  source.range = limit;
  return source;
}

RunnerSource SlicesSource(Tuple tensors) {
  RunnerSource source = OfKind(RunnerSource::kSlices);
  source.tensors = std::move(tensors);
  return source;
}

RunnerSource TensorSource(Tensor tensor) {
  RunnerSource source = SlicesSource({std::move(tensor)});
  source.kind = RunnerSource::kTensor;
  return source;
}

}  // namespace troupe
