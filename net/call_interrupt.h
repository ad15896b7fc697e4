// ScopedCallInterrupt: lets a thread give up its own blocking wire calls
// early (Ctrl-C in Python): WireClient::Call runs the thread's check while it
// waits.
#pragma once

#include <functional>

#include "absl/time/time.h"

namespace troupe {

// While one lives, every blocking WireClient::Call of the thread that made it
// runs `interrupted` every `period` while it waits for its reply, and gives up
// once that returns true (WireClient::Call says how). The newest one of a
// thread counts; each lives on the thread that made it.
class ScopedCallInterrupt {
 public:
  ScopedCallInterrupt(absl::Duration period, std::function<bool()> interrupted);
  ~ScopedCallInterrupt();
  ScopedCallInterrupt(const ScopedCallInterrupt&) = delete;
  ScopedCallInterrupt& operator=(const ScopedCallInterrupt&) = delete;

  // The calling thread's newest one, or null.
  static ScopedCallInterrupt* Current();

  absl::Duration period() const { return period_; }
  // Runs the check, unless it fired already; whether it has fired.
  bool Check();
  // Whether the check said to give up.
  bool fired() const { return fired_; }

 private:
  const absl::Duration period_;
  const std::function<bool()> interrupted_;
  bool fired_ = false;
  ScopedCallInterrupt* const previous_;
};

}  // namespace troupe
