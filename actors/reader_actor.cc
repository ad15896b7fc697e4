#include "actors/reader_actor.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "formats/file_input_stream.h"
#include "formats/open_record_source.h"
#include "formats/reader_state.h"
#include "formats/record_source.h"
#include "serialization/status_error.h"
#include "serialization/string_list.h"
#include "serialization/tensor.h"

namespace troupe {

namespace {

// The most records one turn reads; a longer read_up_to goes on in the next.
constexpr int64_t kRecordsPerTurn = 256;
// A read_up_to returns early once its keys and values hold this many bytes,
// so that a large n over a large file cannot exhaust the task's memory.
constexpr int64_t kMaxBatchBytes = int64_t{64} << 20;
// The most reads one reader keeps waiting; past it a read fails
// RESOURCE_EXHAUSTED.
constexpr size_t kMaxWaitingReads = 10000;

using ReadPromise = caf::typed_response_promise<std::string, std::string>;
using ReadUpToPromise = caf::typed_response_promise<std::vector<std::string>,
                                                    std::vector<std::string>>;
using ReadBatchPromise = caf::typed_response_promise<Tensor, Tensor>;

// A read waiting for its turn or for a work unit: read (n < 0), answered
// through `single`, read_up_to(n) through `up_to`, or read_batch(n) through
// `batch`.
struct PendingRead {
  // Who asked: a read whose requester is gone is dropped before it takes a
  // unit or a record.
  caf::actor_addr requester;
  std::string queue;
  int64_t n = -1;
  int64_t timeout_ms = kNoTimeout;
  ReadPromise single;
  ReadUpToPromise up_to;
  ReadBatchPromise batch;
  bool tensors = false;
  bool with_keys = true;
  // The records gathered so far, packed (keys stay empty without with_keys).
  StringList keys;
  StringList values;
  int64_t bytes = 0;
};

struct ReaderActorState {
  ReaderActorOptions options;
  // TensorFlow's ReaderBase counters; a unit is in progress while
  // work_finished < work_started, and then `source` reads it.
  int64_t work_started = 0;
  int64_t work_finished = 0;
  int64_t records_produced = 0;
  // Corrupt records skipped in finished units (`source` counts its own).
  int64_t records_skipped = 0;
  std::string work;
  std::unique_ptr<RecordSource> source;
  std::deque<PendingRead> reads;
  // Every requester that read here and is alive, monitored from its first
  // read on.
  std::set<caf::actor_addr> requesters;
  // Why the last unit could not start, when it was taken after its read was
  // dropped: the next read's answer.
  absl::Status unit_error;
  // True while the first read waits for a filename.
  bool dequeuing = false;
  // True while a reader_turn message is on its way.
  bool turn_sent = false;
  static inline const char* name = "troupe.reader";
};

using ReaderPointer = ReaderActor::stateful_pointer<ReaderActorState>;

std::string ReaderLabel(const ReaderActorState& state) {
  return absl::StrCat(ReaderKindName(state.options.options.kind), " '",
                      state.options.name, "'");
}

int64_t RecordsSkipped(const ReaderActorState& state) {
  return state.records_skipped +
         (state.source ? state.source->records_skipped() : 0);
}

void FinishUnit(ReaderActorState& state) {
  state.records_skipped = RecordsSkipped(state);
  state.work_finished = state.work_started;
  state.source.reset();
  state.work.clear();
}

void Fail(PendingRead& read, caf::error error) {
  if (read.n < 0) {
    read.single.deliver(std::move(error));
  } else if (read.tensors) {
    read.batch.deliver(std::move(error));
  } else {
    read.up_to.deliver(std::move(error));
  }
}

std::vector<std::string> Unpacked(const StringList& strings) {
  std::vector<std::string> unpacked;
  unpacked.reserve(strings.size());
  for (size_t i = 0; i < strings.size(); ++i) {
    unpacked.emplace_back(strings[i]);
  }
  return unpacked;
}

// Answers the first read with its records, or `error` when it has none.
void Answer(ReaderActorState& state, const absl::Status& error) {
  PendingRead read = std::move(state.reads.front());
  state.reads.pop_front();
  if (read.values.empty() && !error.ok()) {
    Fail(read, ToError(error));
  } else if (read.n < 0) {
    read.single.deliver(std::string(read.keys[0]), std::string(read.values[0]));
  } else if (read.tensors) {
    const int64_t keys = static_cast<int64_t>(read.keys.size());
    const int64_t values = static_cast<int64_t>(read.values.size());
    read.batch.deliver(Tensor::FromStrings({keys}, std::move(read.keys)),
                       Tensor::FromStrings({values}, std::move(read.values)));
  } else {
    read.up_to.deliver(Unpacked(read.keys), Unpacked(read.values));
  }
}

// Before the unit changes under it (reset, restore), answers a read_up_to
// that has records of the old unit, so that a batch never mixes units.
void AnswerPartial(ReaderActorState& state) {
  if (!state.reads.empty() && !state.reads.front().values.empty()) {
    Answer(state, absl::OkStatus());
  }
}

// OK when a queue of `spec` can give one-element string elements, checked
// before anything is taken from it: TensorFlow dequeues first and loses the
// element it then refuses.
absl::Status CheckFilenameQueue(const QueueSpec& spec) {
  if (spec.dtypes.size() != 1) {
    return absl::InvalidArgumentError("Expected single component queue");
  }
  if (spec.dtypes[0] != DT_STRING) {
    return absl::InvalidArgumentError(
        "Expected queue with single string component");
  }
  if (spec.has_shapes() && spec.shapes[0].known_rank) {
    for (int64_t dim : spec.shapes[0].dims) {
      if (dim != 1 && dim != PartialShape::kUnknownDim) {
        return absl::InvalidArgumentError(
            "Expected to dequeue a one-element string tensor");
      }
    }
  }
  return absl::OkStatus();
}

// The source of unit `work`: a file under the data directory (IdentityReader
// opens nothing).
absl::StatusOr<std::string> ResolveWork(const ReaderActorState& state,
                                        const std::string& work) {
  if (state.options.options.kind == ReaderKind::kIdentity) return work;
  if (!state.options.data_dir) {
    return absl::FailedPreconditionError(
        absl::StrCat(ReaderLabel(state),
                     " cannot read files: its task has no data directory"));
  }
  return state.options.data_dir->ForReading(work);
}

void Drive(ReaderPointer self);

// Starts a unit from a dequeued element, or fails the first read and drops
// the element (TensorFlow's OnWorkStarted failure).
void StartUnit(ReaderPointer self, const Tuple& element) {
  ReaderActorState& state = self->state;
  // The first read's error, or the next one's when none waits.
  auto fail = [&state](const absl::Status& error) {
    if (state.reads.empty()) {
      state.unit_error = error;
    } else {
      Answer(state, error);
    }
  };
  if (element.size() != 1 || element[0].dtype() != DT_STRING ||
      element[0].num_elements() != 1) {
    fail(absl::InvalidArgumentError(
        "Expected to dequeue a one-element string tensor"));
    return;
  }
  std::string work(element[0].strings()[0]);
  absl::StatusOr<std::string> path = ResolveWork(state, work);
  absl::StatusOr<std::unique_ptr<RecordSource>> source =
      path.ok() ? OpenFileRecordSource(state.options.options, work, *path)
                : path.status();
  if (!source.ok()) {
    fail(source.status());
    return;
  }
  ++state.work_started;
  state.work = std::move(work);
  state.source = *std::move(source);
}

// Asks the first read's filename queue for a unit; the answer comes in a
// later turn.
void Dequeue(ReaderPointer self) {
  ReaderActorState& state = self->state;
  state.dequeuing = true;
  const PendingRead& read = state.reads.front();
  auto failed = [self](caf::error& error) {
    self->state.dequeuing = false;
    if (!self->state.reads.empty()) Answer(self->state, ToStatus(error));
    Drive(self);
  };
  self->request(state.options.task, caf::infinite, lookup_atom::value,
                std::string(), state.options.container, read.queue)
      .then(
          [self, failed, timeout_ms = read.timeout_ms](
              QueueActor& queue, QueueSpec& spec) mutable {
            if (absl::Status valid = CheckFilenameQueue(spec); !valid.ok()) {
              caf::error error = ToError(valid);
              failed(error);
              return;
            }
            self->request(queue, caf::infinite, dequeue_atom::value, timeout_ms)
                .then(
                    [self](Tuple& element) {
                      self->state.dequeuing = false;
                      // Kept for the next read if this one's requester is
                      // gone.
                      StartUnit(self, element);
                      Drive(self);
                    },
                    failed);
          },
          failed);
}

// Serves the reads in order until one must wait for a unit or the turn's
// record budget is spent.
void Drive(ReaderPointer self) {
  ReaderActorState& state = self->state;
  int64_t budget = kRecordsPerTurn;
  while (!state.reads.empty() && !state.dequeuing) {
    PendingRead& read = state.reads.front();
    if (read.n == 0) {
      Answer(state, absl::OkStatus());
      continue;
    }
    if (!state.unit_error.ok()) {
      Answer(state, std::exchange(state.unit_error, absl::OkStatus()));
      continue;
    }
    if (!state.source) {
      Dequeue(self);
      return;
    }
    if (budget-- == 0) {
      if (!state.turn_sent) {
        state.turn_sent = true;
        self->send(self, reader_turn_atom::value);
      }
      return;
    }
    absl::StatusOr<std::optional<absl::string_view>> next =
        state.source->Next();
    if (!next.ok()) {
      Answer(state, next.status());
      continue;
    }
    if (!next->has_value()) {
      FinishUnit(state);
      // read_up_to returns the records of one unit only.
      if (!read.values.empty()) Answer(state, absl::OkStatus());
      continue;
    }
    ++state.records_produced;
    read.values.Append(**next);
    read.bytes += static_cast<int64_t>((*next)->size());
    if (read.with_keys) {
      const absl::string_view key = state.source->key();
      read.keys.Append(key);
      read.bytes += static_cast<int64_t>(key.size());
    }
    const ReaderKind kind = state.options.options.kind;
    // These have one record per unit and finish it in the same read.
    if (kind == ReaderKind::kIdentity || kind == ReaderKind::kWholeFile) {
      FinishUnit(state);
    }
    if (read.n < 0 || static_cast<int64_t>(read.values.size()) >= read.n ||
        read.bytes >= kMaxBatchBytes || !state.source) {
      Answer(state, absl::OkStatus());
    }
  }
}

void Enqueue(ReaderPointer self, PendingRead read) {
  ReaderActorState& state = self->state;
  if (state.reads.size() >= kMaxWaitingReads) {
    Fail(read, ToError(absl::ResourceExhaustedError(absl::StrCat(
                   "Too many reads waiting on ", ReaderLabel(state), " (limit ",
                   kMaxWaitingReads, "); retry later"))));
    return;
  }
  if (read.requester && state.requesters.insert(read.requester).second) {
    self->monitor(read.requester);
  }
  state.reads.push_back(std::move(read));
  Drive(self);
}

// A read of `n` records (< 0: one) by the current sender.
PendingRead ReadOf(ReaderPointer self, std::string queue, int64_t n,
                   int64_t timeout_ms) {
  PendingRead read;
  read.requester = caf::actor_cast<caf::actor_addr>(self->current_sender());
  read.queue = std::move(queue);
  read.n = n;
  read.timeout_ms = timeout_ms;
  return read;
}

absl::Status NegativeCount(int64_t n) {
  return absl::InvalidArgumentError(
      absl::StrCat("num_records must be >= 0 not ", n));
}

ReaderState CurrentState(const ReaderActorState& state) {
  ReaderState saved;
  saved.work_started = state.work_started;
  saved.work_finished = state.work_finished;
  saved.num_records_produced = state.records_produced;
  saved.records_skipped = RecordsSkipped(state);
  if (state.source) {
    saved.current_work = state.work;
    saved.position = state.source->position();
  }
  return saved;
}

absl::Status Restore(ReaderActorState& state, const std::string& bytes) {
  if (state.dequeuing) {
    return absl::FailedPreconditionError(
        absl::StrCat("Cannot restore ", ReaderLabel(state),
                     " while a read waits for a work unit; nothing changed"));
  }
  const ReaderOptions& options = state.options.options;
  absl::StatusOr<ReaderState> saved =
      ParseReaderState(bytes, options.kind, state.options.name);
  if (!saved.ok()) return saved.status();
  std::unique_ptr<RecordSource> source;
  if (saved->work_finished < saved->work_started) {
    absl::StatusOr<std::string> path = ResolveWork(state, saved->current_work);
    if (!path.ok()) return path.status();
    absl::StatusOr<std::unique_ptr<RecordSource>> opened = OpenRecordSourceAt(
        options, saved->current_work, FileOpener(*path, saved->current_work),
        saved->position);
    if (!opened.ok()) return opened.status();
    source = *std::move(opened);
  }
  AnswerPartial(state);
  state.work_started = saved->work_started;
  state.work_finished = saved->work_finished;
  state.records_produced = saved->num_records_produced;
  state.records_skipped = saved->records_skipped;
  state.work = source ? saved->current_work : std::string();
  state.source = std::move(source);
  state.unit_error = absl::OkStatus();
  return absl::OkStatus();
}

ReaderActor::behavior_type ReaderBehavior(ReaderPointer self,
                                          ReaderActorOptions options) {
  self->state.options = std::move(options);
  self->set_down_handler([self](caf::down_msg& down) {
    ReaderActorState& state = self->state;
    state.requesters.erase(down.source);
    // Dropped unanswered: nobody takes the answer. Records a read_up_to had
    // gathered over earlier turns go with it, as any answer in flight would.
    auto& reads = state.reads;
    reads.erase(std::remove_if(reads.begin(), reads.end(),
                               [&down](const PendingRead& read) {
                                 return read.requester == down.source;
                               }),
                reads.end());
    Drive(self);
  });
  self->set_exit_handler([self](caf::exit_msg& exit) {
    for (PendingRead& read : self->state.reads) Fail(read, exit.reason);
    self->state.reads.clear();
    self->quit(exit.reason);
  });
  return {
      [self](read_atom, std::string& queue,
             int64_t timeout_ms) -> caf::result<std::string, std::string> {
        PendingRead read = ReadOf(self, std::move(queue), -1, timeout_ms);
        read.single = self->make_response_promise<std::string, std::string>();
        ReadPromise promise = read.single;
        Enqueue(self, std::move(read));
        return promise;
      },
      [self](read_up_to_atom, std::string& queue, int64_t n, int64_t timeout_ms)
          -> caf::result<std::vector<std::string>, std::vector<std::string>> {
        if (n < 0) return ToError(NegativeCount(n));
        PendingRead read = ReadOf(self, std::move(queue), n, timeout_ms);
        read.up_to = self->make_response_promise<std::vector<std::string>,
                                                 std::vector<std::string>>();
        ReadUpToPromise promise = read.up_to;
        Enqueue(self, std::move(read));
        return promise;
      },
      [self](read_batch_atom, std::string& queue, int64_t n, int64_t timeout_ms,
             bool with_keys) -> caf::result<Tensor, Tensor> {
        if (n < 0) return ToError(NegativeCount(n));
        PendingRead read = ReadOf(self, std::move(queue), n, timeout_ms);
        read.tensors = true;
        read.with_keys = with_keys;
        read.batch = self->make_response_promise<Tensor, Tensor>();
        ReadBatchPromise promise = read.batch;
        Enqueue(self, std::move(read));
        return promise;
      },
      [self](reader_stats_atom) -> std::tuple<int64_t, int64_t, int64_t> {
        const ReaderActorState& state = self->state;
        return {state.records_produced, state.work_finished,
                RecordsSkipped(state)};
      },
      [self](reset_atom) {
        ReaderActorState& state = self->state;
        AnswerPartial(state);
        state.work_started = state.work_finished = 0;
        state.records_produced = state.records_skipped = 0;
        state.source.reset();
        state.work.clear();
        state.unit_error = absl::OkStatus();
        return caf::ok_atom::value;
      },
      [self](serialize_atom) {
        return SerializeReaderState(self->state.options.options.kind,
                                    CurrentState(self->state));
      },
      [self](restore_atom,
             const std::string& bytes) -> caf::result<caf::ok_atom> {
        absl::Status restored = Restore(self->state, bytes);
        if (!restored.ok()) return ToError(restored);
        return caf::ok_atom::value;
      },
      [self](describe_atom) {
        const ReaderActorState& state = self->state;
        ResourceInfo info;
        info.name = state.options.name;
        info.reader_kind = ReaderKindName(state.options.options.kind);
        info.records_produced = state.records_produced;
        info.work_units_completed = state.work_finished;
        info.records_skipped = RecordsSkipped(state);
        return info;
      },
      [self](reader_turn_atom) {
        self->state.turn_sent = false;
        Drive(self);
      },
  };
}

}  // namespace

ReaderActor SpawnReader(caf::actor_system& system, ReaderActorOptions options) {
  return system.spawn(ReaderBehavior, std::move(options));
}

}  // namespace troupe
