#include "serialization/queue_spec.h"

#include "doctest/doctest.h"

namespace troupe {
namespace {

bool Contains(const absl::Status& status, absl::string_view text) {
  return status.message().find(text) != absl::string_view::npos;
}

QueueSpec Fifo(int32_t capacity, std::vector<DType> dtypes,
               std::vector<PartialShape> shapes) {
  QueueSpec spec;
  spec.capacity = capacity;
  spec.dtypes = std::move(dtypes);
  spec.shapes = std::move(shapes);
  return spec;
}

TEST_SUITE("serialization") {
  TEST_CASE("queue kinds parse from their command-line names") {
    CHECK(*ParseQueueKind("fifo") == QueueKind::kFifo);
    CHECK(*ParseQueueKind("padding_fifo") == QueueKind::kPaddingFifo);
    CHECK(absl::IsInvalidArgument(ParseQueueKind("lifo").status()));
    CHECK(QueueKindName(QueueKind::kRandomShuffle) == "RandomShuffleQueue");
  }

  TEST_CASE(
      "a valid FIFO spec passes, bad ones are INVALID_ARGUMENT with "
      "TensorFlow's text") {
    CHECK(ValidateQueueSpec(Fifo(10, {DType::kFloat32}, {{2}}), "q").ok());
    CHECK(ValidateQueueSpec(Fifo(0, {DType::kFloat32}, {}), "q").ok());
    auto negative = ValidateQueueSpec(Fifo(-1, {DType::kFloat32}, {}), "q");
    CHECK(absl::IsInvalidArgument(negative));
    auto empty = ValidateQueueSpec(Fifo(1, {}, {}), "q");
    CHECK(Contains(empty, "Empty component types for queue q"));
    auto count = ValidateQueueSpec(
        Fifo(1, {DType::kFloat32, DType::kInt32}, {{2}}), "q");
    CHECK(Contains(count,
                   "Different number of component types.  Types: float, int32, "
                   "Shapes: [[2]]"));
    auto partial = ValidateQueueSpec(
        Fifo(1, {DType::kFloat32}, {{PartialShape::kUnknownDim}}), "q");
    CHECK(Contains(partial, "All shapes must be fully defined"));
    auto unknown = ValidateQueueSpec(
        Fifo(1, {DType::kFloat32}, {PartialShape::UnknownRank()}), "q");
    CHECK(Contains(unknown, "All shapes must have a defined rank"));
    auto bad_dtype =
        ValidateQueueSpec(Fifo(1, {static_cast<DType>(42)}, {}), "q");
    CHECK(absl::IsInvalidArgument(bad_dtype));
  }

  TEST_CASE("a queue shape whose element count overflows int64 is refused") {
    const int64_t big = int64_t{1} << 40;
    auto overflow =
        ValidateQueueSpec(Fifo(1, {DType::kFloat32}, {{big, big}}), "q");
    CHECK(absl::IsInvalidArgument(overflow));
    CHECK(Contains(overflow,
                   "Queue q: Shape [1099511627776,1099511627776] "
                   "has too many elements"));
    CHECK(absl::IsInvalidArgument(
        ValidateQueueSpec(Fifo(1, {DType::kFloat32}, {{0, big, big}}), "q")));
    QueueSpec padding =
        Fifo(1, {DType::kFloat32}, {{PartialShape::kUnknownDim, big, big}});
    padding.kind = QueueKind::kPaddingFifo;
    CHECK(Contains(ValidateQueueSpec(padding, "q"),
                   "Shape [?,1099511627776,1099511627776] has too many"));
    padding.shapes = {{PartialShape::kUnknownDim, big}};
    CHECK(ValidateQueueSpec(padding, "q").ok());
  }

  TEST_CASE(
      "sharing a queue checks kind, capacity, dtypes and shapes in "
      "TensorFlow's words") {
    QueueSpec existing = Fifo(10, {DType::kFloat32}, {{2}});
    CHECK(CheckSharedQueue(existing, existing, "q").ok());
    CHECK(Contains(
        CheckSharedQueue(existing, Fifo(15, {DType::kFloat32}, {{2}}), "q"),
        "Shared queue 'q' has capacity 10 but requested capacity was 15"));
    CHECK(Contains(
        CheckSharedQueue(existing, Fifo(10, {DType::kInt32}, {{2}}), "q"),
        "Shared queue 'q' has component types float but requested component "
        "types "
        "were int32"));
    CHECK(Contains(
        CheckSharedQueue(existing, Fifo(10, {DType::kFloat32}, {}), "q"),
        "Shared queue 'q' has component shapes [[2]] but requested component "
        "shapes "
        "were []"));
    QueueSpec shuffle = existing;
    shuffle.kind = QueueKind::kRandomShuffle;
    CHECK(Contains(CheckSharedQueue(existing, shuffle, "q"),
                   "Expected RandomShuffleQueue, found FIFOQueue"));
  }
}

}  // namespace
}  // namespace troupe
