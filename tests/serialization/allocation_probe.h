// AllocationProbe: the largest single operator-new allocation made while it
// lives (this test binary replaces the global operator new to see it).
#pragma once

#include <cstddef>

namespace troupe {

class AllocationProbe {
 public:
  AllocationProbe();
  ~AllocationProbe();
  AllocationProbe(const AllocationProbe&) = delete;
  AllocationProbe& operator=(const AllocationProbe&) = delete;

  size_t largest() const;
};

}  // namespace troupe
