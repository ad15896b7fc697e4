// troupe.decode_csv: TensorFlow's decode_csv over a batch of records given
// as bytes, str or an array of them, decoded in the client.
#include <cstdint>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>
#include <vector>

#include "formats/decode_csv.h"
#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/inferred_tensor.h"
#include "python/numpy_tensor.h"

namespace py = pybind11;

namespace troupe::python {

void BindDecodeCsv(py::module_& module) {
  module.def(
      "decode_csv",
      [](py::handle records, py::handle record_defaults,
         std::string field_delim, bool use_quote_delim, std::string na_value,
         std::optional<std::vector<int64_t>> select_cols) {
        Tensor tensor = TensorFromPython(records, DType::kString);
        std::vector<Tensor> defaults;
        for (py::handle value : record_defaults) {
          defaults.push_back(TensorInferringDType(value));
        }
        DecodeCsvOptions options;
        options.field_delim = std::move(field_delim);
        options.use_quote_delim = use_quote_delim;
        options.na_value = std::move(na_value);
        options.select_cols = select_cols.value_or(std::vector<int64_t>{});
        std::vector<Tensor> columns = CallWithoutGil(
            [&] { return DecodeCsv(tensor, defaults, options); });
        py::list result;
        for (const Tensor& column : columns) {
          result.append(TensorToNumpy(column));
        }
        return result;
      },
      py::arg("records"), py::arg("record_defaults"),
      py::arg("field_delim") = ",", py::arg("use_quote_delim") = true,
      py::arg("na_value") = "", py::arg("select_cols") = py::none(),
      "TensorFlow's decode_csv: one numpy array per record default, each "
      "shaped like `records`. A default is a one-element list ([1.0] is "
      "float32, [1] int32, [b\"a\"] string; numpy values keep their dtype) "
      "or empty for a required column (an empty numpy array gives its "
      "dtype, [] float32). InvalidArgumentError in TensorFlow's words.");
}

}  // namespace troupe::python
