// A reader as Python holds it: the C++ reader, the spec it was made with (a
// runner can give each thread a reader of that spec) and its Session.
#pragma once

#include <memory>
#include <pybind11/pybind11.h>
#include <utility>

#include "cluster/reader.h"
#include "serialization/reader_spec.h"

namespace troupe::python {

struct PythonReader {
  PythonReader(pybind11::object session_object, std::unique_ptr<ReaderBase> r,
               ReaderSpec reader_spec)
      : session(std::move(session_object)),
        reader(std::move(r)),
        spec(std::move(reader_spec)) {}

  pybind11::object session;
  std::unique_ptr<ReaderBase> reader;
  ReaderSpec spec;
};

}  // namespace troupe::python
