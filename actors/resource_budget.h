// How many resources a task holds against its limit. The task's container
// actors share one: each takes a unit for every resource it creates and gives
// it back when the resource goes.
#pragma once

#include <atomic>
#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace troupe {

class ResourceBudget {
 public:
  explicit ResourceBudget(size_t limit) : limit_(limit) {}

  // RESOURCE_EXHAUSTED naming task `device` when every unit is held.
  absl::Status CheckRoom(absl::string_view device) const {
    if (held() < limit_) return absl::OkStatus();
    return Exhausted(device);
  }

  // Takes one unit, or answers CheckRoom's error and takes nothing.
  absl::Status TakeOne(absl::string_view device) {
    size_t held = held_.load(std::memory_order_relaxed);
    do {
      if (held >= limit_) return Exhausted(device);
    } while (!held_.compare_exchange_weak(held, held + 1,
                                          std::memory_order_relaxed));
    return absl::OkStatus();
  }

  // Takes `units` that a check made before found room for.
  void Take(size_t units) { held_.fetch_add(units, std::memory_order_relaxed); }

  void Release(size_t units) {
    held_.fetch_sub(units, std::memory_order_relaxed);
  }

  size_t held() const { return held_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  absl::Status Exhausted(absl::string_view device) const {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Task ", device, " holds ", limit_, " resources, its limit"));
  }

  const size_t limit_;
  std::atomic<size_t> held_{0};
};

}  // namespace troupe
