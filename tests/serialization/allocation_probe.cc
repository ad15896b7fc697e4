#include "tests/serialization/allocation_probe.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<bool> probing{false};
std::atomic<size_t> largest_allocation{0};

}  // namespace

void* operator new(size_t size) {
  if (probing.load(std::memory_order_relaxed)) {
    size_t seen = largest_allocation.load(std::memory_order_relaxed);
    while (size > seen &&
           !largest_allocation.compare_exchange_weak(seen, size)) {
    }
  }
  void* memory = std::malloc(size == 0 ? 1 : size);
  if (memory == nullptr) throw std::bad_alloc();
  return memory;
}

void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, size_t) noexcept { std::free(memory); }

namespace troupe {

AllocationProbe::AllocationProbe() {
  largest_allocation = 0;
  probing = true;
}

AllocationProbe::~AllocationProbe() { probing = false; }

size_t AllocationProbe::largest() const { return largest_allocation; }

}  // namespace troupe
