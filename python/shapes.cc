// Conversions of queue component shapes.
#include "python/shapes.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

PartialShape ShapeFromPython(py::handle shape) {
  if (shape.is_none()) return PartialShape::UnknownRank();
  PartialShape result;
  for (py::handle dim : shape) {
    result.dims.push_back(dim.is_none() ? PartialShape::kUnknownDim
                                        : dim.cast<int64_t>());
  }
  return result;
}

}  // namespace

std::vector<PartialShape> ShapesFromPython(py::handle shapes) {
  std::vector<PartialShape> result;
  if (shapes.is_none()) return result;
  if (!py::isinstance<py::iterable>(shapes)) {
    throw py::type_error("shapes must be a list with one shape per component");
  }
  for (py::handle shape : shapes) result.push_back(ShapeFromPython(shape));
  return result;
}

py::list ShapesToPython(const std::vector<PartialShape>& shapes) {
  py::list result;
  for (const PartialShape& shape : shapes) {
    if (!shape.known_rank) {
      result.append(py::none());
      continue;
    }
    py::list dims;
    for (int64_t dim : shape.dims) {
      if (dim == PartialShape::kUnknownDim) {
        dims.append(py::none());
      } else {
        dims.append(dim);
      }
    }
    result.append(dims);
  }
  return result;
}

}  // namespace troupe::python
