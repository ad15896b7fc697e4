// Queue component shapes in Python: a list with one shape per component,
// each a list of dimensions where None is unknown (or None: unknown rank).
#pragma once

#include <pybind11/pybind11.h>
#include <vector>

#include "serialization/shape.h"

namespace troupe::python {

// None gives no shapes; TypeError for anything but a list of shapes.
std::vector<PartialShape> ShapesFromPython(pybind11::handle shapes);
pybind11::list ShapesToPython(const std::vector<PartialShape>& shapes);

}  // namespace troupe::python
