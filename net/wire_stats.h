// WireStats: what a task's wire server has carried since the task started,
// counted by its connections on whichever thread reads or sends, for
// `troupe ctl stats`.
#pragma once

#include <atomic>
#include <cstdint>

namespace troupe {

struct WireStats {
  std::atomic<int64_t> connections{0};  // open now
  std::atomic<uint64_t> bytes_in{0};    // frames and handshakes
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> frames_in{0};
  std::atomic<uint64_t> frames_out{0};
  // Bytes of segments that went through shared memory (memfds).
  std::atomic<uint64_t> shared_bytes_in{0};
  std::atomic<uint64_t> shared_bytes_out{0};
};

}  // namespace troupe
