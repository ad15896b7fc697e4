// ResourceInfo: what `list` reports about one resource of a task.
#pragma once

#include <cstdint>
#include <string>

#include "serialization/queue_spec.h"

namespace troupe {

struct ResourceInfo {
  std::string container;
  std::string name;
  QueueSpec spec;
  int64_t size = 0;
  bool closed = false;
  int64_t waiting_enqueues = 0;
  int64_t waiting_dequeues = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ResourceInfo& x) {
  return f(x.container, x.name, x.spec, x.size, x.closed, x.waiting_enqueues,
           x.waiting_dequeues);
}

}  // namespace troupe
