// A durable queue's log file: a header naming the queue, then one record per
// change to its content, each checked by a CRC-32C; replaying it gives the
// content the queue had answered for.
//
//   record   u64 payload bytes P, u32 masked CRC-32C of those 8 bytes, u32
//            masked CRC-32C of the payload, then the P payload bytes:
//            u8 kind, u64 body bytes B, the body (the wire's body encoding,
//            serialization/wire_body.h), u32 segment count, then each
//            segment as u64 length and its bytes (integers little-endian)
//   header   (kind 1) container, name, QueueSpec; always the first record
//   insert   (kind 2) u64 first sequence number, bool single, the element
//            (single) or a batch of elements along dimension 0
//   remove   (kind 3) u64 first sequence number, u64 count
//   close    (kind 4) nothing
//
// Zero bytes may follow the last record: the writer allocates the file
// ahead of its records, so that a sync need not record a new file size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "serialization/queue_spec.h"
#include "serialization/tensor.h"

namespace troupe {

struct QueueLogRecord {
  enum class Kind : uint8_t { kHeader = 1, kInsert, kRemove, kClose };
  Kind kind = Kind::kClose;
  // kHeader.
  std::string container;
  std::string name;
  QueueSpec spec;
  // kInsert: the first element's number; kRemove: the first removed.
  uint64_t sequence = 0;
  // kRemove: how many elements, numbered from `sequence`.
  uint64_t count = 0;
  // kInsert: `tensors` is one element (single) or a batch of elements.
  bool single = false;
  Tuple tensors;

  static QueueLogRecord Header(std::string container, std::string name,
                               QueueSpec spec);
  static QueueLogRecord Insert(uint64_t sequence, bool single, Tuple tensors);
  static QueueLogRecord Remove(uint64_t sequence, uint64_t count);
  static QueueLogRecord Close();
};

// For CAF, which carries records from a queue to its log's writer.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QueueLogRecord& x) {
  return f(x.kind, x.container, x.name, x.spec, x.sequence, x.count, x.single,
           x.tensors);
}

// Appends the encoding of `record` to `out`.
void AppendQueueLogRecord(const QueueLogRecord& record, std::string& out);
// The encodings of `records`, one after another: what one write of a log
// appends.
std::string EncodeQueueLogRecords(const std::vector<QueueLogRecord>& records);

// What a log holds.
struct ReplayedQueue {
  std::string container;
  std::string name;
  QueueSpec spec;
  bool closed = false;
  // The elements inserted and not removed, by increasing sequence number.
  std::vector<Tuple> elements;
  // The bytes of the whole records. After them: zeros, or a torn last record
  // (a write cut short by a crash, never answered; only zeros after it),
  // which was left out.
  uint64_t valid_bytes = 0;
  bool torn_tail = false;
};

// Replays the log `bytes`; `name` names it in errors. DATA_LOSS "<what> at
// <offset> in <name>" when a record is damaged and more than zeros follow
// it, when a record does not decode, or when the header is missing;
// RESOURCE_EXHAUSTED when its elements would take more than about `max_bytes`
// of memory.
absl::StatusOr<ReplayedQueue> ReplayQueueLog(absl::string_view bytes,
                                             const std::string& name,
                                             uint64_t max_bytes);

}  // namespace troupe
