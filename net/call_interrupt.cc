#include "net/call_interrupt.h"

#include <utility>

namespace troupe {
namespace {

thread_local ScopedCallInterrupt* current_interrupt = nullptr;

}  // namespace

ScopedCallInterrupt::ScopedCallInterrupt(absl::Duration period,
                                         std::function<bool()> interrupted)
    : period_(period),
      interrupted_(std::move(interrupted)),
      previous_(current_interrupt) {
  current_interrupt = this;
}

ScopedCallInterrupt::~ScopedCallInterrupt() { current_interrupt = previous_; }

ScopedCallInterrupt* ScopedCallInterrupt::Current() {
  return current_interrupt;
}

bool ScopedCallInterrupt::Check() {
  if (!fired_) fired_ = interrupted_();
  return fired_;
}

}  // namespace troupe
