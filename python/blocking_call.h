// How the bindings make a blocking C++ call: without the GIL, so that other
// Python threads run while it waits, interruptible by Ctrl-C on the main
// thread, then its error raised as a troupe.errors exception or its value
// returned.
#pragma once

#include <optional>
#include <pybind11/pybind11.h>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"

#include "net/call_interrupt.h"
#include "python/raise_status.h"

namespace troupe::python {

// On the main thread (the one Python runs signal handlers on), the check that
// lets a waiting call give up: every 100 ms it takes the GIL and runs
// PyErr_CheckSignals, which runs the handlers of the signals that arrived
// (Ctrl-C's raises KeyboardInterrupt); true when one raised. Elsewhere none.
// REQUIRES: the GIL is held.
void InterruptibleByPythonSignals(
    std::optional<ScopedCallInterrupt>& interrupt);

// `call` returns absl::Status or absl::StatusOr<T>; this returns nothing or
// the T. A signal handler's exception (KeyboardInterrupt) that interrupted
// the call is raised instead: the call gave up and its connection was closed
// (net/wire_client.h). `call` must not touch Python objects. REQUIRES: the
// GIL is held.
template <class Call>
auto CallWithoutGil(Call&& call) {
  using Result = decltype(call());
  std::optional<ScopedCallInterrupt> interrupt;
  InterruptibleByPythonSignals(interrupt);
  Result result = [&] {
    pybind11::gil_scoped_release release;
    return call();
  }();
  if (interrupt && interrupt->fired() && PyErr_Occurred() != nullptr) {
    throw pybind11::error_already_set();
  }
  if constexpr (std::is_same_v<Result, absl::Status>) {
    RaiseIfError(result);
  } else {
    return ValueOrRaise(std::move(result));
  }
}

}  // namespace troupe::python
