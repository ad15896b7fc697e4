// QueueJournal: what a queue's core reports of each change to its content, in
// order, so that a durable queue's log replays exactly what was answered.
#pragma once

#include <cstddef>
#include <cstdint>

#include "actors/chunk.h"

namespace troupe {

class QueueJournal {
 public:
  virtual ~QueueJournal() = default;
  // The elements of `chunk` entered the queue, numbered from chunk.sequence.
  virtual void Inserted(const Chunk& chunk) = 0;
  // Elements [sequence, sequence + count) left the queue to a dequeue that
  // succeeded.
  virtual void Removed(uint64_t sequence, size_t count) = 0;
  // The queue was closed.
  virtual void Closed() = 0;
};

}  // namespace troupe
