#include "actors/runner_actor.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"

#include "actors/reader_actor.h"
#include "actors/reader_options_from_spec.h"
#include "base/status_macros.h"
#include "formats/decode_csv.h"
#include "serialization/status_error.h"
#include "serialization/tensor_ops.h"

namespace troupe {
namespace {

// runner -> its decoder: (keys, values, batch) -> the target's tuple.
using decode_atom = caf::atom_constant<caf::atom("rnr_decode")>;

// How records become the target's tuple; fixed once the runner begins.
struct RecordLayout {
  // Empty: the records are not CSV.
  std::vector<Tensor> csv_defaults;
  DecodeCsvOptions csv;
  std::vector<std::vector<int64_t>> components;
  size_t target_components = 0;
};

struct Thread {
  size_t source = 0;
  ReaderActor reader;  // its own (an inline reader spec), else null
  // Decodes its CSV records, so that the threads decode on several cores
  // while this actor only passes batches on; null without CSV.
  caf::actor decoder;
};

struct RunnerState {
  RunnerActorOptions options;
  // Resolved at the start, by source index.
  QueueActor target;
  std::vector<QueueActor> dequeue_from;
  std::vector<ReaderActor> readers;
  size_t lookups = 0;  // still to come back
  std::shared_ptr<RecordLayout> layout = std::make_shared<RecordLayout>();
  std::vector<Thread> threads;
  size_t running = 0;
  int64_t steps = 0;
  int64_t next_epoch = 0;
  std::mt19937_64 random;
  // Set once the runner ends: the first error, and the state it ends in.
  bool ending = false;
  absl::Status error;
  std::string end_state;
  static inline const char* name = "troupe.runner";
};

using Runner = caf::stateful_actor<RunnerState>;

RunnerStatus StatusOf(Runner* self, const std::string& state) {
  RunnerStatus status;
  status.state = state;
  status.steps = self->state.steps;
  status.error_code = static_cast<int32_t>(self->state.error.code());
  status.error_message = std::string(self->state.error.message());
  return status;
}

// Tells the registry how it ended, stops the readers it made and exits, which
// withdraws whatever it still waits for at a queue.
void Quit(Runner* self) {
  RunnerState& state = self->state;
  self->send(state.options.registry, runner_ended_atom::value,
             state.options.name, StatusOf(self, state.end_state));
  for (Thread& thread : state.threads) {
    if (thread.reader) {
      self->send_exit(thread.reader, caf::exit_reason::user_shutdown);
    }
    if (thread.decoder) {
      self->send_exit(thread.decoder, caf::exit_reason::user_shutdown);
    }
  }
  self->quit();
}

// Ends the runner in `end_state`, closing its target: plainly when its
// sources ended, else cancelling pending enqueues, with `error` if any.
void End(Runner* self, std::string end_state, absl::Status error) {
  RunnerState& state = self->state;
  if (state.ending) return;
  state.ending = true;
  state.end_state = std::move(end_state);
  state.error = std::move(error);
  if (!state.target) return Quit(self);
  auto done = [self] { Quit(self); };
  auto failed = [self](const caf::error&) { Quit(self); };
  if (state.end_state == "finished") {
    self->request(state.target, caf::infinite, close_atom::value, false,
                  kNoTimeout)
        .then([done](caf::ok_atom) { done(); }, failed);
  } else if (state.error.ok()) {
    self->request(state.target, caf::infinite, close_atom::value, true,
                  kNoTimeout)
        .then([done](caf::ok_atom) { done(); }, failed);
  } else {
    self->request(state.target, caf::infinite, close_atom::value, true,
                  ToError(state.error))
        .then([done](caf::ok_atom) { done(); }, failed);
  }
}

// A step failed with `error`: the end of its source (OUT_OF_RANGE) ends its
// thread; anything else ends the runner, and its coordinator hears of it.
void StepFailed(Runner* self, size_t thread, const absl::Status& error);

void ThreadDone(Runner* self) {
  RunnerState& state = self->state;
  if (--state.running == 0) End(self, "finished", absl::OkStatus());
}

void Step(Runner* self, size_t thread);

void Enqueue(Runner* self, size_t thread, Tuple tuple, bool many) {
  RunnerState& state = self->state;
  auto next = [self, thread](caf::ok_atom) {
    if (self->state.ending) return;
    ++self->state.steps;
    Step(self, thread);
  };
  auto failed = [self, thread](const caf::error& error) {
    StepFailed(self, thread, ToStatus(error));
  };
  if (many) {
    self->request(state.target, caf::infinite, enqueue_many_atom::value,
                  std::move(tuple), kNoTimeout)
        .then(next, failed);
  } else {
    self->request(state.target, caf::infinite, enqueue_atom::value,
                  std::move(tuple), kNoTimeout)
        .then(next, failed);
  }
}

// Numeric batch columns of `group` (each [rows], of `dtype`) side by side
// as one [rows, group size] tensor, in one pass and one allocation.
Tensor Interleave(const std::vector<Tensor>& columns,
                  const std::vector<int64_t>& group, DType dtype,
                  int64_t rows) {
  const size_t size = DTypeSize(dtype);
  const size_t width = group.size();
  const size_t n = static_cast<size_t>(rows);
  std::vector<char> bytes(n * width * size);
  for (size_t k = 0; k < width; ++k) {
    const char* from = columns[static_cast<size_t>(group[k])].data();
    char* to = bytes.data() + k * size;
    for (size_t r = 0; r < n; ++r) {
      std::memcpy(to + r * width * size, from + r * size, size);
    }
  }
  return Tensor::FromBytes(dtype, {rows, static_cast<int64_t>(width)},
                           std::move(bytes));
}

// The target's tuple from `columns` (each a scalar, or a batch of `rows`
// along dimension 0): the spec's components, a group of columns stacked
// into one tensor ([k], or [rows, k] for a batch).
absl::StatusOr<Tuple> Arrange(
    const std::vector<std::vector<int64_t>>& components,
    std::vector<Tensor> columns, bool batch) {
  if (components.empty()) return Tuple(std::move(columns));
  Tuple tuple;
  for (const std::vector<int64_t>& group : components) {
    for (int64_t column : group) {
      if (column < 0 || column >= static_cast<int64_t>(columns.size())) {
        return absl::InvalidArgumentError(
            absl::StrCat("Component column ", column, " does not exist: the ",
                         "records have ", columns.size(), " columns"));
      }
    }
    if (group.size() == 1) {
      tuple.push_back(columns[static_cast<size_t>(group[0])]);
      continue;
    }
    const DType dtype = columns[static_cast<size_t>(group[0])].dtype();
    for (int64_t column : group) {
      if (columns[static_cast<size_t>(column)].dtype() != dtype) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Columns stacked into one component must share a dtype: column ",
            group[0], " is ", DTypeName(dtype), ", column ", column, " is ",
            DTypeName(columns[static_cast<size_t>(column)].dtype())));
      }
    }
    auto stack_row = [&](auto pick) {
      std::vector<Tensor> row;
      for (int64_t column : group) {
        row.push_back(pick(columns[static_cast<size_t>(column)]));
      }
      return Stack(row, dtype, {});
    };
    if (!batch) {
      tuple.push_back(stack_row([](const Tensor& t) { return t; }));
      continue;
    }
    const int64_t rows = columns[static_cast<size_t>(group[0])].shape()[0];
    if (dtype != DType::kString &&
        std::all_of(group.begin(), group.end(), [&](int64_t column) {
          return columns[static_cast<size_t>(column)].shape() == Shape{rows};
        })) {
      tuple.push_back(Interleave(columns, group, dtype, rows));
      continue;
    }
    std::vector<Tensor> stacked;
    for (int64_t r = 0; r < rows; ++r) {
      stacked.push_back(stack_row([r](const Tensor& t) { return t.Slice(r); }));
    }
    tuple.push_back(
        Stack(stacked, dtype, {static_cast<int64_t>(group.size())}));
  }
  return tuple;
}

// The records read (keys and values: scalars, or [n] for read_up_to) as
// the target's tuple: decoded as CSV if the layout says so, else the value
// (a one-component target) or the key and the value.
absl::StatusOr<Tuple> Lay(const RecordLayout& layout, Tensor keys,
                          Tensor values, bool batch) {
  std::vector<Tensor> columns;
  if (!layout.csv_defaults.empty()) {
    TROUPE_ASSIGN_OR_RETURN(columns,
                            DecodeCsv(values, layout.csv_defaults, layout.csv));
  } else if (layout.target_components == 2) {
    columns = {std::move(keys), std::move(values)};
  } else {
    columns = {std::move(values)};
  }
  return Arrange(layout.components, std::move(columns), batch);
}

// A thread's decoder: (keys, values, batch) -> the target's tuple. Every
// message for it goes through CAF's scheduler, which hands it to the
// workers in turn and wakes the one it picks if that one sleeps, so that
// the threads' batches are decoded on several cores at once. Woken the usual
// way, by the runner, it would wait on the runner's thread (a CAF worker or
// the wire's I/O thread) until an idle worker stole it, which one tries only
// every 10 ms.
class Decoder : public caf::event_based_actor {
 public:
  Decoder(caf::actor_config& config, std::shared_ptr<const RecordLayout> layout)
      : caf::event_based_actor(config), layout_(std::move(layout)) {}

  void enqueue(caf::mailbox_element_ptr message,
               caf::execution_unit*) override {
    caf::event_based_actor::enqueue(std::move(message), nullptr);
  }

  const char* name() const override { return "troupe.runner_decoder"; }

  caf::behavior make_behavior() override {
    return {
        [this](decode_atom, Tensor& keys, Tensor& values,
               bool batch) -> caf::result<Tuple> {
          absl::StatusOr<Tuple> tuple =
              Lay(*layout_, std::move(keys), std::move(values), batch);
          if (!tuple.ok()) return ToError(tuple.status());
          return *std::move(tuple);
        },
    };
  }

 private:
  std::shared_ptr<const RecordLayout> layout_;
};

// Enqueues the records read by `thread`, through its decoder if it has one.
void Records(Runner* self, size_t thread, Tensor keys, Tensor values,
             bool batch) {
  RunnerState& state = self->state;
  const caf::actor& decoder = state.threads[thread].decoder;
  if (!decoder) {
    absl::StatusOr<Tuple> tuple =
        Lay(*state.layout, std::move(keys), std::move(values), batch);
    if (!tuple.ok()) return StepFailed(self, thread, tuple.status());
    return Enqueue(self, thread, *std::move(tuple), batch);
  }
  self->request(decoder, caf::infinite, decode_atom::value, std::move(keys),
                std::move(values), batch)
      .then(
          [self, thread, batch](Tuple& tuple) {
            if (!self->state.ending) {
              Enqueue(self, thread, std::move(tuple), batch);
            }
          },
          [self, thread](const caf::error& error) {
            StepFailed(self, thread, ToStatus(error));
          });
}

// The number of elements one epoch of producer `source` has.
size_t EpochSize(const RunnerSource& source) {
  switch (source.kind) {
    case RunnerSource::kStrings:
      return source.strings.size();
    case RunnerSource::kRange:
      return static_cast<size_t>(source.range);
    default:
      return static_cast<size_t>(source.tensors[0].shape()[0]);
  }
}

// The elements of producer `source` in `order`, as a batch.
Tuple Epoch(const RunnerSource& source, const std::vector<size_t>& order) {
  const Shape shape = {static_cast<int64_t>(order.size())};
  if (source.kind == RunnerSource::kStrings) {
    StringList strings;
    strings.Reserve(order.size(), 0);
    for (size_t i : order) strings.Append(source.strings[i]);
    return {Tensor::FromStrings(shape, std::move(strings))};
  }
  if (source.kind == RunnerSource::kRange) {
    std::vector<int32_t> values;
    for (size_t i : order) values.push_back(static_cast<int32_t>(i));
    return {Tensor::FromVector<int32_t>(shape, values)};
  }
  Tuple epoch;
  for (const Tensor& tensor : source.tensors) {
    std::vector<Tensor> rows;
    for (size_t i : order)
      rows.push_back(tensor.Slice(static_cast<int64_t>(i)));
    const Shape row_shape(tensor.shape().begin() + 1, tensor.shape().end());
    epoch.push_back(Stack(rows, tensor.dtype(), row_shape));
  }
  return epoch;
}

// One epoch of a producer, shuffled unless the spec says not to.
void Produce(Runner* self, size_t thread, const RunnerSource& source) {
  RunnerState& state = self->state;
  const RunnerSpec& spec = state.options.spec;
  if (spec.num_epochs > 0 && state.next_epoch >= spec.num_epochs) {
    return StepFailed(self, thread,
                      absl::OutOfRangeError(
                          absl::StrCat("Reached limit of ", spec.num_epochs)));
  }
  ++state.next_epoch;
  std::vector<size_t> order(EpochSize(source));
  std::iota(order.begin(), order.end(), size_t{0});
  if (spec.shuffle) std::shuffle(order.begin(), order.end(), state.random);
  Enqueue(self, thread, Epoch(source, order), true);
}

void Step(Runner* self, size_t thread) {
  RunnerState& state = self->state;
  if (state.ending) return;
  const size_t index = state.threads[thread].source;
  const RunnerSource& source = state.options.spec.sources[index];
  auto failed = [self, thread](const caf::error& error) {
    StepFailed(self, thread, ToStatus(error));
  };
  switch (source.kind) {
    case RunnerSource::kDequeue:
      self->request(state.dequeue_from[index], caf::infinite,
                    dequeue_atom::value, kNoTimeout)
          .then(
              [self, thread](Tuple& tuple) {
                if (!self->state.ending) {
                  Enqueue(self, thread, std::move(tuple),
                          self->state.options.spec.enqueue_many);
                }
              },
              failed);
      return;
    case RunnerSource::kReader: {
      const ReaderActor& reader = state.threads[thread].reader
                                      ? state.threads[thread].reader
                                      : state.readers[index];
      if (source.up_to > 0) {
        // Decoded or alone, the values need no keys.
        const bool with_keys = state.layout->csv_defaults.empty() &&
                               state.layout->target_components == 2;
        self->request(reader, caf::infinite, read_batch_atom::value,
                      source.queue, source.up_to, kNoTimeout, with_keys)
            .then(
                [self, thread](Tensor& keys, Tensor& values) {
                  if (self->state.ending) return;
                  Records(self, thread, std::move(keys), std::move(values),
                          true);
                },
                failed);
      } else {
        self->request(reader, caf::infinite, read_atom::value, source.queue,
                      kNoTimeout)
            .then(
                [self, thread](std::string& key, std::string& value) {
                  if (self->state.ending) return;
                  Records(self, thread,
                          Tensor::FromStrings({}, {std::move(key)}),
                          Tensor::FromStrings({}, {std::move(value)}), false);
                },
                failed);
      }
      return;
    }
    case RunnerSource::kStrings:
    case RunnerSource::kRange:
    case RunnerSource::kSlices:
    case RunnerSource::kTensor:
      return Produce(self, thread, source);
  }
}

void StepFailed(Runner* self, size_t, const absl::Status& error) {
  RunnerState& state = self->state;
  if (state.ending) return;
  if (absl::IsOutOfRange(error)) return ThreadDone(self);
  const absl::Status cause(
      error.code(), absl::StrCat(error.message(), " (queue runner '",
                                 state.options.name, "' stopped on it)"));
  self->send(state.options.registry, runner_error_atom::value,
             state.options.name, ToError(cause));
  End(self, "failed", cause);
}

// The record defaults of the spec's CSV columns, checked.
absl::StatusOr<std::vector<Tensor>> CsvDefaults(const RunnerSpec& spec) {
  std::vector<Tensor> defaults;
  for (size_t i = 0; i < spec.csv_columns.size(); ++i) {
    const CsvColumn& column = spec.csv_columns[i];
    if (column.required) {
      defaults.push_back(column.dtype == DType::kString
                             ? Tensor::FromStrings({0}, {})
                             : Tensor::Zeros(column.dtype, {0}));
      continue;
    }
    const std::string& text = column.default_text;
    bool parsed = true;
    switch (column.dtype) {
      case DType::kFloat32: {
        float value = 0;
        parsed = absl::SimpleAtof(text, &value);
        defaults.push_back(Tensor::Scalar<float>(value));
        break;
      }
      case DType::kFloat64: {
        double value = 0;
        parsed = absl::SimpleAtod(text, &value);
        defaults.push_back(Tensor::Scalar<double>(value));
        break;
      }
      case DType::kInt32: {
        int32_t value = 0;
        parsed = absl::SimpleAtoi(text, &value);
        defaults.push_back(Tensor::Scalar<int32_t>(value));
        break;
      }
      case DType::kInt64: {
        int64_t value = 0;
        parsed = absl::SimpleAtoi(text, &value);
        defaults.push_back(Tensor::Scalar<int64_t>(value));
        break;
      }
      case DType::kString:
        defaults.push_back(Tensor::FromStrings({}, {text}));
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("csv: data type ", DTypeName(column.dtype),
                         " not supported in field ", i));
    }
    if (!parsed) {
      return absl::InvalidArgumentError(
          absl::StrCat("The default of CSV column ", i, " is not a valid ",
                       DTypeName(column.dtype), ": '", text, "'"));
    }
  }
  return defaults;
}

// Starts every thread: one per source, or `threads` for a single source.
void Begin(Runner* self) {
  RunnerState& state = self->state;
  const RunnerSpec& spec = state.options.spec;
  const size_t count = spec.sources.size() == 1
                           ? static_cast<size_t>(spec.threads)
                           : spec.sources.size();
  for (size_t i = 0; i < count; ++i) {
    Thread thread;
    thread.source = spec.sources.size() == 1 ? 0 : i;
    const RunnerSource& source = spec.sources[thread.source];
    if (source.kind == RunnerSource::kReader && source.inline_reader) {
      absl::StatusOr<ReaderOptions> options =
          ReaderOptionsFromSpec(source.reader_spec);
      if (!options.ok()) {
        state.threads.push_back(std::move(thread));
        return End(self, "failed", options.status());
      }
      thread.reader = SpawnReader(
          self->system(),
          ReaderActorOptions{absl::StrCat(state.options.name, "/", i),
                             state.options.container, *std::move(options),
                             state.options.data_dir, state.options.task});
      // Stopped with the runner, however it ends (Quit stops it on a normal
      // end, which a link does not pass on).
      self->link_to(thread.reader);
    }
    if (source.kind == RunnerSource::kReader &&
        !state.layout->csv_defaults.empty()) {
      thread.decoder = self->spawn<Decoder, caf::linked>(
          std::shared_ptr<const RecordLayout>(state.layout));
    }
    state.threads.push_back(std::move(thread));
  }
  self->send(state.options.registry, runner_ready_atom::value,
             state.options.name);
  state.running = state.threads.size();
  for (size_t i = 0; i < state.threads.size(); ++i) Step(self, i);
}

// One lookup of the start came back.
void Resolved(Runner* self) {
  if (--self->state.lookups == 0 && !self->state.ending) Begin(self);
}

void LookUp(Runner* self) {
  RunnerState& state = self->state;
  const RunnerSpec& spec = state.options.spec;
  const std::string& container = state.options.container;
  auto failed = [self](const caf::error& error) {
    End(self, "failed", ToStatus(error));
  };
  state.dequeue_from.resize(spec.sources.size());
  state.readers.resize(spec.sources.size());
  state.lookups = 1;
  self->request(state.options.task, caf::infinite, lookup_atom::value,
                std::string(), container, spec.target)
      .then(
          [self](QueueActor& queue, QueueSpec& queue_spec) {
            self->state.target = std::move(queue);
            self->state.layout->target_components = queue_spec.dtypes.size();
            Resolved(self);
          },
          failed);
  for (size_t i = 0; i < spec.sources.size(); ++i) {
    const RunnerSource& source = spec.sources[i];
    if (source.kind == RunnerSource::kDequeue ||
        source.kind == RunnerSource::kReader) {
      ++state.lookups;
      self->request(state.options.task, caf::infinite, lookup_atom::value,
                    std::string(), container, source.queue)
          .then(
              [self, i](QueueActor& queue, QueueSpec&) {
                self->state.dequeue_from[i] = std::move(queue);
                Resolved(self);
              },
              failed);
    }
    if (source.kind == RunnerSource::kReader && !source.inline_reader) {
      ++state.lookups;
      self->request(state.options.task, caf::infinite,
                    lookup_reader_atom::value, std::string(), container,
                    source.reader)
          .then(
              [self, i](ReaderActor& reader, ReaderSpec&) {
                self->state.readers[i] = std::move(reader);
                Resolved(self);
              },
              failed);
    }
  }
}

caf::behavior RunnerBehavior(Runner* self, RunnerActorOptions options) {
  RunnerState& state = self->state;
  state.options = std::move(options);
  // Dies with its registry (and so with its task); ends on its own with
  // reason normal, which the registry ignores.
  self->link_to(state.options.registry);
  const RunnerSpec& spec = state.options.spec;
  state.random.seed(spec.seed != 0 ? static_cast<uint64_t>(spec.seed)
                                   : std::random_device{}());
  RecordLayout& layout = *state.layout;
  layout.csv.field_delim = spec.field_delim;
  layout.csv.use_quote_delim = spec.use_quote_delim;
  layout.csv.na_value = spec.na_value;
  layout.csv.select_cols = spec.select_cols;
  layout.components = spec.components;
  absl::StatusOr<std::vector<Tensor>> defaults = CsvDefaults(spec);
  absl::Status valid = defaults.status();
  if (valid.ok() && !defaults->empty()) {
    valid = ValidateDecodeCsv(*defaults, layout.csv);
  }
  if (valid.ok()) {
    layout.csv_defaults = *std::move(defaults);
    LookUp(self);
  } else {
    End(self, "failed", valid);
  }
  return {
      [self](runner_stop_atom, const caf::error& error) {
        End(self, "stopped", ToStatus(error));
      },
      [self](describe_atom) { return StatusOf(self, "running"); },
  };
}

}  // namespace

caf::actor SpawnRunner(caf::actor_system& system, RunnerActorOptions options) {
  return system.spawn(RunnerBehavior, std::move(options));
}

}  // namespace troupe
