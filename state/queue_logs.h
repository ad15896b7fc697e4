// Reading a task's durable queues back from their logs when it starts
// (actors/queue_log_writer.h writes them).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

#include "base/log_level.h"
#include "config/data_dir.h"
#include "serialization/task_snapshot.h"

namespace troupe {

// Every durable queue of task `device` as its log under `data_dir` holds it,
// with its closed state and elements. A log whose last record was cut short
// by a crash loses that record (never answered) and `log` is told with a
// warning. DATA_LOSS naming the file and offset when a log is damaged
// elsewhere; RESOURCE_EXHAUSTED when one would take more than `max_bytes`.
absl::StatusOr<TaskSnapshot> ReadQueueLogs(const DataDir& data_dir,
                                           const std::string& device,
                                           uint64_t max_bytes,
                                           const LogSink& log);

}  // namespace troupe
