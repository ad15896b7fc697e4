// A task's resources as a checkpoint holds them: variables with their
// values, queues with their elements and closed state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "serialization/queue_spec.h"
#include "serialization/tensor.h"
#include "serialization/variable_spec.h"

namespace troupe {

struct SavedVariable {
  std::string container;
  std::string name;
  VariableSpec spec;  // As declared.
  // The value, or nothing when the variable was never assigned.
  Tuple value;
};

struct SavedQueue {
  std::string container;
  std::string name;
  QueueSpec spec;
  bool closed = false;
  // Every element, in the queue's order.
  std::vector<Tuple> elements;
};

struct TaskSnapshot {
  std::string device;  // "/job:J/task:T"
  int64_t time_unix_ms = 0;
  std::vector<SavedVariable> variables;
  std::vector<SavedQueue> queues;

  // How many tensors the snapshot holds.
  int64_t tensors() const {
    int64_t count = 0;
    for (const SavedVariable& variable : variables)
      count += static_cast<int64_t>(variable.value.size());
    for (const SavedQueue& queue : queues) {
      for (const Tuple& element : queue.elements)
        count += static_cast<int64_t>(element.size());
    }
    return count;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SavedVariable& x) {
  return f(x.container, x.name, x.spec, x.value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SavedQueue& x) {
  return f(x.container, x.name, x.spec, x.closed, x.elements);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskSnapshot& x) {
  return f(x.device, x.time_unix_ms, x.variables, x.queues);
}

}  // namespace troupe
