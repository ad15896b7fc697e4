// What defines a queue runner on a task (its target queue, its threads, their
// source, decode_csv and how columns become components), the calls a client
// makes about runners and coordinators, and what a runner reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "serialization/dtype.h"
#include "serialization/reader_spec.h"
#include "serialization/tensor.h"

namespace troupe {

// Where a runner's thread takes what it enqueues.
struct RunnerSource {
  enum Kind : int32_t {
    // Dequeues one element of queue `queue`.
    kDequeue = 0,
    // Reads a record (`up_to` > 0: up to that many) with reader `reader`, or,
    // with `inline_reader`, with a reader of `reader_spec` of the thread's
    // own, from filename queue `queue`.
    kReader = 1,
    // A producer: each step enqueues one epoch of `strings` (a string
    // scalar each) or of 0..range-1 (int32), shuffled per epoch unless told.
    kStrings = 2,
    kRange = 3,
    // slice_input_producer: each element is one row of every tensor of
    // `tensors` (one per component, all with the same first dimension).
    kSlices = 4,
    // input_producer: each element is one row of `tensors[0]`.
    kTensor = 5,
  };
  int32_t kind = kDequeue;
  std::string queue;
  std::string reader;
  bool inline_reader = false;
  ReaderSpec reader_spec;
  int64_t up_to = 0;
  std::vector<std::string> strings;
  int64_t range = 0;
  Tuple tensors;
};

// One column of decode_csv: its dtype and its default (none: required).
struct CsvColumn {
  DType dtype = DType::kFloat32;
  bool required = false;
  // The default as its text ("1.5", "7", "a"), parsed for the dtype.
  std::string default_text;
};

struct RunnerSpec {
  // The queue the runner fills, on the same task and in the same container.
  std::string target;
  // Threads running steps at once (for one source; a list of sources runs
  // one thread per source).
  int32_t threads = 1;
  // The coordinator the runner belongs to (empty: one of its own).
  std::string coordinator;
  std::vector<RunnerSource> sources;
  // Producers: epochs to produce (0: without end), shuffled or not, and
  // the seed of the shuffle (0: a fresh one).
  int64_t num_epochs = 0;
  bool shuffle = true;
  int64_t seed = 0;
  // Reader sources: decode each record's value as CSV (no columns: no
  // decoding; the value, or key and value, are the columns).
  std::vector<CsvColumn> csv_columns;
  std::string field_delim = ",";
  bool use_quote_delim = true;
  std::string na_value;
  std::vector<int64_t> select_cols;
  // The target's components from the columns: each entry is one column, or
  // several stacked into one tensor. Empty: every column its own component.
  std::vector<std::vector<int64_t>> components;
  // Enqueue each element as a batch (enqueue_many).
  bool enqueue_many = false;
};

// INVALID_ARGUMENT for a spec no task can run, in TensorFlow's words where
// it has them ("string_input_producer requires a non-null input tensor",
// "num_epochs must be > 0 not -1", "Expected at least one tensor in
// slice_input_producer().").
absl::Status ValidateRunnerSpec(const RunnerSpec& spec);

// What a runner (or a coordinator, over its runners) reports.
struct RunnerStatus {
  // "running", "finished" (its sources ended; the target is closed),
  // "failed" (a step failed: `error`; the target is closed with it) or
  // "stopped" (a stop was asked; the target is closed, pending enqueues
  // cancelled).
  std::string state;
  // Successful enqueues into the target.
  int64_t steps = 0;
  // For a start: whether this call started it (false: it was running).
  bool started = false;
  // The first error, as TensorFlow's code and text (code 0: none).
  int32_t error_code = 0;
  std::string error_message;

  absl::Status error() const {
    return absl::Status(static_cast<absl::StatusCode>(error_code),
                        error_message);
  }
};

// A client's call about a runner or a coordinator.
struct RunnerCall {
  enum Verb : int32_t {
    kStart = 0,            // starts runner `name` with `spec`
    kStatus = 1,           // runner `name`'s status
    kStop = 2,             // stops runner `name`, answered once it ended
    kJoin = 3,             // answered once runner `name` ended
    kStopCoordinator = 4,  // stops every runner of coordinator `name`
    kJoinCoordinator = 5,  // answered once every runner of `name` ended
    // Coordinator `name`'s status now: "running" while a runner of it runs
    // and no stop was asked (by a call or a failed step), else as kJoin...
    kCoordinatorStatus = 6,
  };
  int32_t verb = kStatus;
  std::string container;
  std::string name;
  RunnerSpec spec;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunnerSource& x) {
  return f(x.kind, x.queue, x.reader, x.inline_reader, x.reader_spec, x.up_to,
           x.strings, x.range, x.tensors);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CsvColumn& x) {
  return f(x.dtype, x.required, x.default_text);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunnerSpec& x) {
  return f(x.target, x.threads, x.coordinator, x.sources, x.num_epochs,
           x.shuffle, x.seed, x.csv_columns, x.field_delim, x.use_quote_delim,
           x.na_value, x.select_cols, x.components, x.enqueue_many);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunnerStatus& x) {
  return f(x.state, x.steps, x.started, x.error_code, x.error_message);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunnerCall& x) {
  return f(x.verb, x.container, x.name, x.spec);
}

}  // namespace troupe
