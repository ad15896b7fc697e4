#include "serialization/queue_spec.h"

#include <algorithm>

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

std::string DurabilityName(Durability durability) {
  switch (durability) {
    case Durability::kNone:
      return "none";
    case Durability::kAlways:
      return "always";
    case Durability::kEverySec:
      return "everysec";
    case Durability::kNo:
      return "no";
  }
  return "unknown";
}

absl::StatusOr<Durability> ParseAppendfsync(absl::string_view name) {
  for (Durability durability :
       {Durability::kAlways, Durability::kEverySec, Durability::kNo}) {
    if (name == DurabilityName(durability)) return durability;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Unknown appendfsync policy '", name,
                   "'; expected always, everysec or no"));
}

std::string DTypesToString(const std::vector<DType>& dtypes) {
  return absl::StrJoin(dtypes, ", ", [](std::string* out, DType dtype) {
    out->append(DTypeName(dtype));
  });
}

void AddPriorityComponent(QueueSpec& spec) {
  spec.dtypes.insert(spec.dtypes.begin(), DType::kInt64);
  if (spec.has_shapes())
    spec.shapes.insert(spec.shapes.begin(), PartialShape{});
}

absl::Status ValidateQueueSpec(const QueueSpec& spec, absl::string_view name) {
  if (spec.kind > QueueKind::kPriority) {
    return absl::InvalidArgumentError(absl::StrCat("Unknown queue type ",
                                                   static_cast<int>(spec.kind),
                                                   " for queue ", name));
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
  if (spec.kind == QueueKind::kPaddingFifo &&
      spec.shapes.size() != spec.dtypes.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Shapes must be provided for all components, but received ",
        spec.dtypes.size(), " dtypes and ", spec.shapes.size(), " shapes."));
  }
  if (spec.kind == QueueKind::kRandomShuffle) {
    if (spec.min_after_dequeue < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "min_after_dequeue ", spec.min_after_dequeue, " must be >= 0"));
    }
    if (spec.min_after_dequeue >= spec.capacity) {
      return absl::InvalidArgumentError(
          absl::StrCat("min_after_dequeue ", spec.min_after_dequeue,
                       " must be < capacity ", spec.capacity));
    }
  }
  if (spec.kind == QueueKind::kPriority) {
    if (spec.dtypes[0] != DType::kInt64) {
      return absl::InvalidArgumentError(absl::StrCat(
          "PriorityQueue priority index component must be type int64, but "
          "dtype is: ",
          DTypeName(spec.dtypes[0])));
    }
    if (spec.has_shapes() && spec.shapes[0] != PartialShape{}) {
      return absl::InvalidArgumentError(absl::StrCat(
          "PriorityQueue priority component must be a scalar, but its shape "
          "is ",
          spec.shapes[0].ToString()));
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
    Shape known = shape.dims;  // Unknown dimensions count as 1.
    for (int64_t& dim : known) dim = std::max<int64_t>(dim, 1);
    if (valid.ok() && !NumCells(known).ok()) {
      valid = absl::InvalidArgumentError(
          absl::StrCat("Shape ", shape.ToString(), " has too many elements"));
    }
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

namespace {

// Equal shapes; a PaddingFIFOQueue accepts compatible ones, as TensorFlow's.
bool SameShapes(const QueueSpec& existing, const QueueSpec& requested) {
  if (existing.kind != QueueKind::kPaddingFifo) {
    return existing.shapes == requested.shapes;
  }
  if (existing.shapes.size() != requested.shapes.size()) return false;
  for (size_t i = 0; i < existing.shapes.size(); ++i) {
    if (!existing.shapes[i].IsCompatibleWith(requested.shapes[i])) return false;
  }
  return true;
}

}  // namespace

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
  if (existing.kind == QueueKind::kRandomShuffle) {
    if (existing.min_after_dequeue != requested.min_after_dequeue) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Shared queue '", name, "' has min_after_dequeue ",
          existing.min_after_dequeue, " but requested min_after_dequeue was ",
          requested.min_after_dequeue, "."));
    }
    bool seeds_requested = requested.seed != 0 || requested.seed2 != 0;
    if (seeds_requested && (existing.seed != requested.seed ||
                            existing.seed2 != requested.seed2)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Shared queue '", name, "' has random seeds (", existing.seed, ", ",
          existing.seed2, ") but requested seeds are (", requested.seed, ", ",
          requested.seed2, ")."));
    }
  }
  if (existing.dtypes != requested.dtypes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Shared queue '", name, "' has component types ",
        DTypesToString(existing.dtypes), " but requested component types were ",
        DTypesToString(requested.dtypes)));
  }
  if (!SameShapes(existing, requested)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Shared queue '", name, "' has component shapes ",
                     PartialShapesToString(existing.shapes),
                     " but requested component shapes were ",
                     PartialShapesToString(requested.shapes)));
  }
  if (requested.durable() && requested.durability != existing.durability) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Shared queue '", name, "' has durability ",
        DurabilityName(existing.durability), " but requested durability was ",
        DurabilityName(requested.durability)));
  }
  return absl::OkStatus();
}

}  // namespace troupe
