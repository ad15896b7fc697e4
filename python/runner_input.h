// What a QueueRunner or a batcher takes from, given from Python: its sources
// (a queue, a producer, a batcher or a troupe.ReaderSource) and how records
// become elements (decode_csv's options, components, the coordinator).
#pragma once

#include <pybind11/pybind11.h>
#include <vector>

#include "serialization/runner_spec.h"

namespace troupe::python {

// troupe.ReaderSource.
void BindReaderSource(pybind11::module_& module);

// One source: a troupe.ReaderSource, or anything with a `name` that is a
// queue on the runner's task (a queue, a producer, a batcher), or a queue's
// shared name. TypeError otherwise.
RunnerSource SourceFromPython(pybind11::handle source);

// One source per entry of the list or tuple `sources`.
std::vector<RunnerSource> SourcesFromPython(pybind11::handle sources);

// Sets `spec`'s input options from the keyword arguments `options`:
// record_defaults (decode_csv's, as troupe.decode_csv takes them),
// field_delim, use_quote_delim, na_value, select_cols, components (a list
// of column numbers or lists of them, stacked into one component) and
// coordinator (a troupe.Coordinator or its name). TypeError for any other.
void ApplyInputOptions(const pybind11::dict& options, RunnerSpec& spec);

}  // namespace troupe::python
