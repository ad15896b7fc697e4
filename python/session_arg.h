// The `session` argument of the queue and variable constructors.
#pragma once

#include <pybind11/pybind11.h>

#include "cluster/session.h"

namespace troupe::python {

// The troupe.Session `session` is; TypeError for anything else.
inline Session& SessionFromPython(pybind11::handle session) {
  if (!pybind11::isinstance<Session>(session)) {
    throw pybind11::type_error("session must be a troupe.Session");
  }
  return session.cast<Session&>();
}

}  // namespace troupe::python
