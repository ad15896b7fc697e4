// How the bindings make a blocking C++ call: without the GIL, so that other
// Python threads run while it waits, then its error raised as a
// troupe.errors exception or its value returned.
#pragma once

#include <pybind11/pybind11.h>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"

#include "python/raise_status.h"

namespace troupe::python {

// `call` returns absl::Status or absl::StatusOr<T>; this returns nothing or
// the T. `call` must not touch Python objects. REQUIRES: the GIL is held.
template <class Call>
auto CallWithoutGil(Call&& call) {
  using Result = decltype(call());
  Result result = [&] {
    pybind11::gil_scoped_release release;
    return call();
  }();
  if constexpr (std::is_same_v<Result, absl::Status>) {
    RaiseIfError(result);
  } else {
    return ValueOrRaise(std::move(result));
  }
}

}  // namespace troupe::python
