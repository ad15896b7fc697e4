// ResourceInfo: what `list` reports about one resource of a task: a queue,
// a variable, a reader or a queue runner.
#pragma once

#include <cstdint>
#include <string>

#include "serialization/queue_spec.h"
#include "serialization/variable_spec.h"

namespace troupe {

struct ResourceInfo {
  std::string container;
  std::string name;
  // Queues: their spec, element count, whether closed and their waiters.
  QueueSpec spec;
  int64_t size = 0;
  bool closed = false;
  int64_t waiting_enqueues = 0;
  int64_t waiting_dequeues = 0;
  // Elements waiting dequeues hold outside `size` (QueueCore::held).
  int64_t held = 0;
  // Elements that entered the queue and that left it to dequeues since it
  // was created (not calls: a batch counts its elements).
  int64_t enqueued_total = 0;
  int64_t dequeued_total = 0;
  // The bytes of the tensors a queue holds, or of a variable's value.
  int64_t bytes_held = 0;
  // Variables (the queue fields above stay at their defaults): the dtype and
  // the shape of the current value (the declared shape until an assign with
  // validate_shape=false changes it), and whether it has been assigned.
  bool is_variable = false;
  VariableSpec variable;
  bool initialized = false;
  // Readers (queue and variable fields at their defaults): TensorFlow's
  // class name ("TextLineReader", ...; empty for other resources) and its
  // counters.
  std::string reader_kind;
  int64_t records_produced = 0;
  int64_t work_units_completed = 0;
  int64_t records_skipped = 0;
  // Queue runners (the other fields at their defaults): the runner's state
  // ("running", "finished", "failed", "stopped"; empty for other
  // resources), its target queue and its successful steps.
  std::string runner_state;
  std::string runner_target;
  int64_t runner_steps = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ResourceInfo& x) {
  return f(x.container, x.name, x.spec, x.size, x.closed, x.waiting_enqueues,
           x.waiting_dequeues, x.held, x.enqueued_total, x.dequeued_total,
           x.bytes_held, x.is_variable, x.variable, x.initialized,
           x.reader_kind, x.records_produced, x.work_units_completed,
           x.records_skipped, x.runner_state, x.runner_target, x.runner_steps);
}

}  // namespace troupe
