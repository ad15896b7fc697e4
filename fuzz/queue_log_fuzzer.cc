// libFuzzer target: a durable queue's log (formats/queue_log.h) of arbitrary
// bytes, replayed as a task does when it starts. It must answer the queue's
// content or an error, never crash, and never take more than the memory
// limit; what it answers must encode and replay to the same content.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "formats/queue_log.h"

namespace {

constexpr uint64_t kMaxBytes = uint64_t{64} << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto replayed = troupe::ReplayQueueLog(bytes, "fuzz.log", kMaxBytes);
  if (!replayed.ok()) return 0;
  std::string again;
  troupe::AppendQueueLogRecord(
      troupe::QueueLogRecord::Header(replayed->container, replayed->name,
                                     replayed->spec),
      again);
  for (size_t i = 0; i < replayed->elements.size(); ++i) {
    troupe::AppendQueueLogRecord(
        troupe::QueueLogRecord::Insert(i, true, replayed->elements[i]), again);
  }
  if (replayed->closed)
    troupe::AppendQueueLogRecord(troupe::QueueLogRecord::Close(), again);
  auto second = troupe::ReplayQueueLog(again, "again.log", kMaxBytes);
  if (!second.ok() || second->elements.size() != replayed->elements.size() ||
      second->closed != replayed->closed || second->name != replayed->name) {
    std::abort();
  }
  return 0;
}
