// A producer or batcher as Python holds it: its queue and runner
// (cluster/filled_queue.h) and the Session they use.
#pragma once

#include <memory>
#include <pybind11/pybind11.h>

#include "cluster/filled_queue.h"

namespace troupe::python {

struct PythonFilledQueue {
  pybind11::object session;
  std::unique_ptr<FilledQueue> filled;
};

}  // namespace troupe::python
