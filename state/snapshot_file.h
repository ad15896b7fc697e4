// One task's checkpoint shard on disk: a TaskSnapshot in the wire's body
// encoding (serialization/wire_body.h), each tensor's bytes with a CRC-32C.
//
//   offset  bytes  field (integers little-endian)
//   0       8      magic "TROUPECK"
//   8       4      format version, 2 (1 had no queue durability)
//   12      4      segment count S
//   16      8      body bytes B
//   24      4      masked CRC-32C of bytes 0..23
//   28      4      masked CRC-32C of the body
//   32      B      body: device, time, the variables, then the queues
//   then S times:  u64 length L, u32 masked CRC-32C of the L bytes, the bytes
//                  (one tensor's contents; a string tensor's strings back to
//                  back, their lengths in the body)
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

#include "serialization/task_snapshot.h"

namespace troupe {

// Writes `snapshot` to `path` atomically (base/atomic_file.h). Returns the
// bytes written.
absl::StatusOr<uint64_t> WriteSnapshotFile(const std::string& path,
                                           const TaskSnapshot& snapshot);

// Reads the shard at `path`; `name` is how errors name it (the path the user
// gave). NOT_FOUND "<name>; No such file or directory" when missing;
// DATA_LOSS "<what> at <offset> in <name>" when a byte is wrong or missing;
// RESOURCE_EXHAUSTED when it would take more than `max_bytes` of memory.
absl::StatusOr<TaskSnapshot> ReadSnapshotFile(const std::string& path,
                                              const std::string& name,
                                              uint64_t max_bytes);

}  // namespace troupe
