// The SPEC of `troupe ctl runner-start` (JSON, as issue 13 writes it) as a
// RunnerSpec:
//   {"target": "Q", "threads": 5, "coordinator": "C",
//    "source": SOURCE | [SOURCE, ...],
//    "num_epochs": N, "shuffle": true, "seed": S,
//    "decode_csv": {"dtypes": ["float32", ...], "defaults": [[1.0], [], ...],
//                   "field_delim": ",", "na_value": "", "select_cols": [...],
//                   "use_quote_delim": true},
//    "components": [[0, 1], 2], "enqueue_many": false}
//   SOURCE = {"reader": "R" | {"type": "text_line", ...}, "queue": "F",
//             "up_to": N} | {"dequeue": "A"} | {"strings": [...]}
//            | {"range": N}
//            | {"slices": [T, ...], "dtypes": ["float32", ...]}
//            | {"tensor": T, "dtype": "int32"}
//   (T is a tensor as nested JSON arrays, serialization/tensor_json.h).
#pragma once

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "serialization/runner_spec.h"

namespace troupe::cli {

// INVALID_ARGUMENT naming the field that is missing, unknown or of the
// wrong type ("runner spec: \"threads\" must be an integer").
absl::StatusOr<RunnerSpec> RunnerSpecFromJson(const nlohmann::json& json);

}  // namespace troupe::cli
