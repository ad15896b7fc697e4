#include "bench/weights.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

#include "bench/bench_util.h"

namespace troupe::bench {

VariableOptions Weights(int index, size_t bytes) {
  VariableOptions options;
  options.dtype = DT_FLOAT;
  options.shape = {static_cast<int64_t>(bytes / sizeof(float))};
  options.shared_name = absl::StrCat("weights_", index);
  return options;
}

absl::Status AssignWeights(Session& session, int count, size_t bytes) {
  const Tensor value =
      Tensor::FromBytes(DT_FLOAT, {static_cast<int64_t>(bytes / sizeof(float))},
                        IncompressibleBytes(bytes));
  for (int i = 0; i < count; ++i) {
    Variable variable(session, Weights(i, bytes));
    if (auto assigned = variable.assign(value); !assigned.ok())
      return assigned.status();
  }
  return absl::OkStatus();
}

}  // namespace troupe::bench
