#include "cluster/batcher.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "cluster/input_producer.h"
#include "cluster/queue.h"
#include "serialization/queue_spec.h"

namespace troupe {
namespace {

// What one element of a batch holds.
struct Elements {
  std::vector<DType> dtypes;
  std::vector<PartialShape> shapes;
};

// The elements of upstream queue `name`: its components, or their rows
// when each of its elements is a batch (`enqueue_many`).
absl::StatusOr<Elements> QueueElements(Session& session,
                                       const std::string& name,
                                       bool enqueue_many,
                                       const BatchOptions& options) {
  TROUPE_ASSIGN_OR_RETURN(
      std::unique_ptr<Queue> queue,
      Queue::Open(session, name, options.device, options.container));
  const QueueSpec spec = queue->spec();
  if (!spec.has_shapes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Cannot infer the shapes of queue '", name,
                     "', which has none: give the batcher's shapes"));
  }
  Elements elements{spec.dtypes, spec.shapes};
  if (!enqueue_many) return elements;
  for (size_t i = 0; i < elements.shapes.size(); ++i) {
    PartialShape& shape = elements.shapes[i];
    if (!shape.known_rank || shape.dims.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Cannot infer Tensor's rank: component ", i, " of queue '", name,
          "' is ", shape.ToString(), ", and enqueue_many takes its rows"));
    }
    shape.dims.erase(shape.dims.begin());
  }
  return elements;
}

// The elements a reader source yields: the CSV columns arranged into
// components (a group of columns stacked into a vector), else the value.
absl::StatusOr<Elements> ReaderElements(const RunnerSpec& input) {
  if (input.csv_columns.empty()) {
    return Elements{{DType::kString}, {PartialShape()}};
  }
  std::vector<std::vector<int64_t>> groups = input.components;
  if (groups.empty()) {
    for (size_t i = 0; i < input.csv_columns.size(); ++i) {
      groups.push_back({static_cast<int64_t>(i)});
    }
  }
  Elements elements;
  for (const std::vector<int64_t>& group : groups) {
    for (int64_t column : group) {
      if (column < 0 ||
          column >= static_cast<int64_t>(input.csv_columns.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Component column ", column, " does not exist: the records have ",
            input.csv_columns.size(), " columns"));
      }
    }
    elements.dtypes.push_back(
        input.csv_columns[static_cast<size_t>(group[0])].dtype);
    elements.shapes.push_back(
        group.size() == 1 ? PartialShape()
                          : PartialShape({static_cast<int64_t>(group.size())}));
  }
  return elements;
}

absl::StatusOr<Elements> SourceElements(Session& session,
                                        const RunnerSpec& input,
                                        const RunnerSource& source,
                                        const BatchOptions& options) {
  switch (source.kind) {
    case RunnerSource::kDequeue:
      return QueueElements(session, source.queue, options.enqueue_many,
                           options);
    case RunnerSource::kReader:
      return ReaderElements(input);
    default: {
      QueueSpec spec = ProducerQueueSpec(source, options.capacity);
      return Elements{std::move(spec.dtypes), std::move(spec.shapes)};
    }
  }
}

// The batch's elements: the options' dtypes and shapes where given, else
// those every source yields, which must agree.
absl::StatusOr<Elements> InferElements(Session& session,
                                       const RunnerSpec& input,
                                       const BatchOptions& options) {
  if (!options.dtypes.empty()) {
    return Elements{options.dtypes, options.shapes};
  }
  TROUPE_ASSIGN_OR_RETURN(
      Elements first,
      SourceElements(session, input, input.sources[0], options));
  for (size_t i = 1; i < input.sources.size(); ++i) {
    TROUPE_ASSIGN_OR_RETURN(
        Elements other,
        SourceElements(session, input, input.sources[i], options));
    if (other.dtypes != first.dtypes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Expected types to be consistent: ", DTypesToString(first.dtypes),
          " vs. ", DTypesToString(other.dtypes), "."));
    }
    if (other.shapes != first.shapes) {
      return absl::InvalidArgumentError(
          absl::StrCat("Expected shapes to be consistent: ",
                       PartialShapesToString(first.shapes), " vs. ",
                       PartialShapesToString(other.shapes), "."));
    }
  }
  if (!options.shapes.empty()) first.shapes = options.shapes;
  return first;
}

// TensorFlow's checks of a batcher's arguments; `where` is "batch()" and
// the like.
absl::Status CheckOptions(const std::string& kind, bool shuffle, bool join,
                          const RunnerSpec& input,
                          const BatchOptions& options) {
  const std::string where = kind + "()";
  if (input.sources.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("Expected at least one ",
                                                   join ? "input" : "tensor",
                                                   " in ", where, "."));
  }
  if (!join && input.sources.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " takes one source; ", kind,
                     "_join() runs one thread per source of a list, not ",
                     input.sources.size()));
  }
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size must be > 0, not ", options.batch_size));
  }
  if (!join && options.num_threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_threads must be >= 1, not ", options.num_threads));
  }
  if (options.capacity < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("capacity must be > 0, not ", options.capacity));
  }
  if (!shuffle) return absl::OkStatus();
  if (options.dynamic_pad) {
    return absl::InvalidArgumentError(
        absl::StrCat("dynamic_pad is not supported by ", where,
                     ": a RandomShuffleQueue does not pad"));
  }
  if (options.min_after_dequeue < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_after_dequeue must be >= 0, not ", options.min_after_dequeue));
  }
  if (options.capacity <= options.min_after_dequeue) {
    return absl::InvalidArgumentError(
        absl::StrCat("capacity ", options.capacity,
                     " must be bigger than min_after_dequeue ",
                     options.min_after_dequeue, "."));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Tuple> Batcher::NextBatch(absl::Duration timeout) {
  return up_to_ ? queue().dequeue_up_to(batch_size_, timeout)
                : queue().dequeue_many(batch_size_, timeout);
}

absl::StatusOr<std::unique_ptr<Batcher>> StartBatcher(
    Session& session, const std::string& kind, bool shuffle, bool join,
    RunnerSpec input, const BatchOptions& options) {
  TROUPE_RETURN_IF_ERROR(CheckOptions(kind, shuffle, join, input, options));
  TROUPE_ASSIGN_OR_RETURN(Elements elements,
                          InferElements(session, input, options));
  QueueSpec spec;
  spec.kind = shuffle               ? QueueKind::kRandomShuffle
              : options.dynamic_pad ? QueueKind::kPaddingFifo
                                    : QueueKind::kFifo;
  spec.capacity = options.capacity;
  spec.dtypes = std::move(elements.dtypes);
  spec.shapes = std::move(elements.shapes);
  if (shuffle) {
    spec.min_after_dequeue = options.min_after_dequeue;
    spec.seed = options.seed;
  }
  input.threads = join ? 1 : options.num_threads;
  input.enqueue_many = options.enqueue_many;
  std::unique_ptr<Batcher> batcher(new Batcher());
  batcher->batch_size_ = options.batch_size;
  batcher->up_to_ = options.allow_smaller_final_batch;
  TROUPE_RETURN_IF_ERROR(batcher->Start(session, kind, options.shared_name,
                                        spec, std::move(input), options.device,
                                        options.container));
  return batcher;
}

absl::StatusOr<std::unique_ptr<Batcher>> Batch(Session& session,
                                               RunnerSpec input,
                                               const BatchOptions& options) {
  return StartBatcher(session, "batch", false, false, std::move(input),
                      options);
}

absl::StatusOr<std::unique_ptr<Batcher>> BatchJoin(
    Session& session, RunnerSpec input, const BatchOptions& options) {
  return StartBatcher(session, "batch_join", false, true, std::move(input),
                      options);
}

absl::StatusOr<std::unique_ptr<Batcher>> ShuffleBatch(
    Session& session, RunnerSpec input, const BatchOptions& options) {
  return StartBatcher(session, "shuffle_batch", true, false, std::move(input),
                      options);
}

absl::StatusOr<std::unique_ptr<Batcher>> ShuffleBatchJoin(
    Session& session, RunnerSpec input, const BatchOptions& options) {
  return StartBatcher(session, "shuffle_batch_join", true, true,
                      std::move(input), options);
}

RunnerSpec BatchInput(RunnerSource source) {
  RunnerSpec input;
  input.sources = {std::move(source)};
  return input;
}

}  // namespace troupe
