#include "serialization/queue_spec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace troupe {

std::string QueueKindName(QueueKind kind) {
  switch (kind) {
    case QueueKind::kFifo:
      return "FIFOQueue";
    case QueueKind::kRandomShuffle:
      return "RandomShuffleQueue";
    case QueueKind::kPaddingFifo:
      return "PaddingFIFOQueue";
    case QueueKind::kPriority:
      return "PriorityQueue";
  }
  return "UnknownQueue";
}

std::string QueueKindCliName(QueueKind kind) {
  switch (kind) {
    case QueueKind::kFifo:
      return "fifo";
    case QueueKind::kRandomShuffle:
      return "random_shuffle";
    case QueueKind::kPaddingFifo:
      return "padding_fifo";
    case QueueKind::kPriority:
      return "priority";
  }
  return "unknown";
}

absl::StatusOr<QueueKind> ParseQueueKind(absl::string_view name) {
  for (QueueKind kind : {QueueKind::kFifo, QueueKind::kRandomShuffle,
                         QueueKind::kPaddingFifo, QueueKind::kPriority}) {
    if (name == QueueKindCliName(kind)) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "Unknown queue type '", name,
      "'; expected fifo, random_shuffle, padding_fifo or priority"));
}

std::string DTypesToString(const std::vector<DType>& dtypes) {
  return absl::StrJoin(dtypes, ", ", [](std::string* out, DType dtype) {
    out->append(DTypeName(dtype));
  });
}

absl::Status ValidateQueueSpec(const QueueSpec& spec, absl::string_view name) {
  if (spec.kind > QueueKind::kPriority) {
    return absl::InvalidArgumentError(absl::StrCat("Unknown queue type ",
                                                   static_cast<int>(spec.kind),
                                                   " for queue ", name));
  }
  if (spec.kind != QueueKind::kFifo) {
    return absl::UnimplementedError(
        absl::StrCat(QueueKindName(spec.kind), " is not available yet; queue ",
                     name, " can be a FIFOQueue"));
  }
  if (spec.capacity < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Queue ", name, " has capacity ", spec.capacity,
        "; capacity must be >= 0 (Troupe has no unbounded queues)"));
  }
  if (spec.dtypes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Empty component types for queue ", name));
  }
  for (DType dtype : spec.dtypes) {
    if (dtype == DType::kInvalid || dtype > kLastDType) {
      return absl::InvalidArgumentError(
          absl::StrCat("Queue ", name, " has an invalid component type ",
                       static_cast<int>(dtype)));
    }
  }
  if (spec.has_shapes() && spec.shapes.size() != spec.dtypes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Different number of component types.  Types: ",
                     DTypesToString(spec.dtypes),
                     ", Shapes: ", PartialShapesToString(spec.shapes)));
  }
  for (const PartialShape& shape : spec.shapes) {
    if (!shape.known_rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("All shapes must have a defined rank: ",
                       PartialShapesToString(spec.shapes)));
    }
    auto valid = ValidatePartialShape(shape);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Queue ", name, ": ", valid.message()));
    }
    if (spec.kind != QueueKind::kPaddingFifo && !shape.IsFullyDefined()) {
      return absl::InvalidArgumentError(
          absl::StrCat("All shapes must be fully defined: ",
                       PartialShapesToString(spec.shapes)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSharedQueue(const QueueSpec& existing,
                              const QueueSpec& requested,
                              absl::string_view name) {
  if (existing.kind != requested.kind) {
    return absl::InvalidArgumentError(
        absl::StrCat("Expected ", QueueKindName(requested.kind), ", found ",
                     QueueKindName(existing.kind)));
  }
  if (existing.capacity != requested.capacity) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Shared queue '", name, "' has capacity ", existing.capacity,
        " but requested capacity was ", requested.capacity));
  }
  if (existing.dtypes != requested.dtypes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Shared queue '", name, "' has component types ",
        DTypesToString(existing.dtypes), " but requested component types were ",
        DTypesToString(requested.dtypes)));
  }
  if (existing.shapes != requested.shapes) {
    return absl::InvalidArgumentError(
        absl::StrCat("Shared queue '", name, "' has component shapes ",
                     PartialShapesToString(existing.shapes),
                     " but requested component shapes were ",
                     PartialShapesToString(requested.shapes)));
  }
  return absl::OkStatus();
}

}  // namespace troupe
