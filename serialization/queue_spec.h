// QueueSpec: what defines a queue (kind, capacity, component dtypes and
// shapes, shuffle parameters, durability), its validation and TensorFlow's
// shared-name check.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "serialization/dtype.h"
#include "serialization/shape.h"

namespace troupe {

enum class QueueKind : uint8_t {
  kFifo = 0,
  kRandomShuffle,
  kPaddingFifo,
  kPriority
};

// TensorFlow's class name: "FIFOQueue", "RandomShuffleQueue", ...
std::string QueueKindName(QueueKind kind);
// Parses the command line's "fifo", "random_shuffle", "padding_fifo",
// "priority".
absl::StatusOr<QueueKind> ParseQueueKind(absl::string_view name);
// The command line's name of `kind`.
std::string QueueKindCliName(QueueKind kind);

// Whether a queue logs every change before answering it (a durable queue,
// back after its task restarts), and when that log reaches the disk: at every
// answer, about once a second, or when the system decides (Redis's
// appendfsync policies).
enum class Durability : uint8_t { kNone = 0, kAlways, kEverySec, kNo };

// Parses --appendfsync's "always", "everysec" and "no".
absl::StatusOr<Durability> ParseAppendfsync(absl::string_view name);
// "always", "everysec", "no", or "none" for a queue that is not durable.
std::string DurabilityName(Durability durability);

struct QueueSpec {
  QueueKind kind = QueueKind::kFifo;
  int32_t capacity = 0;
  std::vector<DType> dtypes;
  // One shape per component, or empty for a queue without shapes.
  std::vector<PartialShape> shapes;
  int32_t min_after_dequeue = 0;
  int64_t seed = 0;
  int64_t seed2 = 0;
  Durability durability = Durability::kNone;

  bool has_shapes() const { return !shapes.empty(); }
  bool durable() const { return durability != Durability::kNone; }
};

// INVALID_ARGUMENT, with TensorFlow's text where it has one, unless `spec`
// describes a queue Troupe can serve. `name` is used in the messages.
absl::Status ValidateQueueSpec(const QueueSpec& spec, absl::string_view name);

// TensorFlow's MatchesNodeDef: OK when `requested` may open the queue
// `existing` shared as `name`, else INVALID_ARGUMENT with TensorFlow's text.
// A request without durability opens a durable queue too; one that asks for
// durability must ask for the queue's own.
absl::Status CheckSharedQueue(const QueueSpec& existing,
                              const QueueSpec& requested,
                              absl::string_view name);

// Prepends PriorityQueue's implicit int64 scalar priority component to a
// spec written in terms of its values, as TensorFlow's Python class does.
void AddPriorityComponent(QueueSpec& spec);

// "float, int32": TensorFlow's list form of dtypes.
std::string DTypesToString(const std::vector<DType>& dtypes);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QueueSpec& x) {
  return f(x.kind, x.capacity, x.dtypes, x.shapes, x.min_after_dequeue, x.seed,
           x.seed2, x.durability);
}

}  // namespace troupe
