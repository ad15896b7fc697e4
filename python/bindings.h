// The pieces of the Python module troupe._troupe, each defined in its own
// file and added to the module by module.cc.
#pragma once

#include <pybind11/pybind11.h>

namespace troupe::python {

// troupe.DType and its values (troupe.float32, ...).
void BindDTypes(pybind11::module_& module);
// troupe.Session.
void BindSession(pybind11::module_& module);
// troupe.FIFOQueue, RandomShuffleQueue, PaddingFIFOQueue, PriorityQueue.
void BindQueues(pybind11::module_& module);
// troupe.Variable.
void BindVariable(pybind11::module_& module);
// troupe.train.Saver.
void BindSaver(pybind11::module_& module);
// troupe.ReaderBase and the reader kinds (TextLineReader, ...).
void BindReaders(pybind11::module_& module);
// troupe.decode_csv.
void BindDecodeCsv(pybind11::module_& module);
// troupe.QueueRunner and troupe.Coordinator.
void BindRunners(pybind11::module_& module);
// troupe.FilledQueue, the base of Producer and Batcher.
void BindFilledQueue(pybind11::module_& module);
// troupe.Producer and the four producers.
void BindProducers(pybind11::module_& module);
// troupe.Batcher and the four batchers.
void BindBatchers(pybind11::module_& module);

}  // namespace troupe::python
