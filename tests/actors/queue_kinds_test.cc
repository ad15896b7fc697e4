// RandomShuffleQueue, PaddingFIFOQueue and PriorityQueue, driven through
// QueueCore: the cases of TensorFlow's random_shuffle_queue_test.py,
// padding_fifo_queue_test.py and priority_queue_test.py that apply, and
// where Troupe does better (ties in arrival order, dequeue_up_to after close
// never drops, padding of any rank).
#include <algorithm>
#include <set>

#include "absl/strings/match.h"

#include "actors/queue_core.h"
#include "tests/actors/queue_core_harness.h"

namespace troupe {
namespace {

using namespace queue_harness;  // NOLINT: the harness is this file's
                                // vocabulary.

QueueSpec Shuffle(int32_t capacity, int32_t min_after_dequeue, int64_t seed,
                  std::vector<PartialShape> shapes = {{}}) {
  QueueSpec spec = Fifo(capacity, {DT_FLOAT}, std::move(shapes));
  spec.kind = QueueKind::kRandomShuffle;
  spec.min_after_dequeue = min_after_dequeue;
  spec.seed = seed;
  return spec;
}

QueueSpec Priority(int32_t capacity, std::vector<DType> values,
                   std::vector<PartialShape> shapes) {
  QueueSpec spec = Fifo(capacity, std::move(values), std::move(shapes));
  spec.kind = QueueKind::kPriority;
  AddPriorityComponent(spec);
  return spec;
}

QueueSpec Padding(int32_t capacity, std::vector<DType> dtypes,
                  std::vector<PartialShape> shapes) {
  QueueSpec spec = Fifo(capacity, std::move(dtypes), std::move(shapes));
  spec.kind = QueueKind::kPaddingFifo;
  return spec;
}

Tuple P(int64_t priority, const std::string& value) {
  return {Tensor::Scalar<int64_t>(priority),
          Tensor::Scalar<std::string>(value)};
}

// The values 1..n enqueued one by one into `q`, ids from 1.
void EnqueueRange(QueueCore& q, int n) {
  for (int i = 1; i <= n; ++i)
    q.Enqueue(static_cast<uint64_t>(i), F(i), kNever);
  q.TakeCompletions();
}

// The floats of a dequeue_many of `n`, which must succeed at once.
std::vector<float> TakeMany(QueueCore& q, uint64_t id, int32_t n) {
  q.DequeueMany(id, n, kNever);
  Completion done = TakeOne(q);
  REQUIRE(done.status.ok());
  auto values = done.value[0].flat<float>();
  return std::vector<float>(values.begin(), values.end());
}

TEST_SUITE("actors") {
  // -- RandomShuffleQueue
  // ------------------------------------------------------

  TEST_CASE("a shuffle queue hands out every element once, in a random order") {
    QueueCore q("q", Shuffle(100, 0, 1729), kManyWaiting);
    EnqueueRange(q, 50);
    std::vector<float> values = TakeMany(q, 100, 50);
    std::multiset<float> seen(values.begin(), values.end());
    CHECK(seen.size() == 50);
    CHECK(std::set<float>(values.begin(), values.end()).size() == 50);
    std::vector<float> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    CHECK(values != sorted);
  }

  TEST_CASE("the same seed and the same operations give the same order") {
    QueueCore a("q", Shuffle(10, 5, 42), kManyWaiting);
    QueueCore b("q", Shuffle(10, 5, 42), kManyWaiting);
    QueueCore c("q", Shuffle(10, 5, 87539319), kManyWaiting);
    for (QueueCore* q : {&a, &b, &c}) EnqueueRange(*q, 10);
    std::vector<float> first = TakeMany(a, 20, 5);
    CHECK(TakeMany(b, 20, 5) == first);
    CHECK(TakeMany(c, 20, 5) != first);
  }

  TEST_CASE(
      "a shuffle dequeue waits while only min_after_dequeue elements remain") {
    // TensorFlow's testBlockingDequeueFromClosedQueue: RSQ(10, min 2), 4
    // elements: a consumer gets 2 and waits; after close it gets the other 2.
    QueueCore q("q", Shuffle(10, 2, 7), kManyWaiting);
    EnqueueRange(q, 4);
    for (uint64_t id = 10; id < 15; ++id) q.Dequeue(id, kNever);
    std::vector<Completion> done = q.TakeCompletions();
    CHECK(done.size() == 2);
    CHECK(q.size() == 2);
    q.Close(20, false, kNever);
    done = q.TakeCompletions();
    REQUIRE(done.size() == 4);  // Two elements, the close, one OUT_OF_RANGE.
    CHECK(CodeOf(done.back().status) == "OUT_OF_RANGE");
    CHECK(absl::StrContains(
        done.back().status.message(),
        "RandomShuffleQueue 'q' is closed and has "
        "insufficient elements (requested 1, current size 0)"));
  }

  TEST_CASE("min_after_dequeue does not hold back enqueues") {
    QueueCore q("q", Shuffle(10, 5, 1), kManyWaiting);
    q.Enqueue(1, F(1), kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 1);
  }

  TEST_CASE(
      "a shuffle dequeue_up_to smaller than min_after_dequeue returns the rest "
      "after close") {
    // TensorFlow's testBlockingDequeueUpToSmallerThanMinAfterDequeue.
    QueueCore q("q", Shuffle(10, 2, 3), kManyWaiting);
    EnqueueRange(q, 4);
    q.DequeueUpTo(10, 3, kNever);
    CHECK(Done(q).empty());
    q.Close(11, false, kNever);
    std::vector<Completion> done = q.TakeCompletions();
    REQUIRE(done.size() == 2);
    CHECK(done[1].value[0].shape() == Shape{3});
    q.DequeueUpTo(12, 3, kNever);
    CHECK(TakeOne(q).value[0].shape() == Shape{1});
  }

  TEST_CASE("a failed shuffle dequeue_many after close leaves its elements") {
    // TensorFlow's testBlockingDequeueManyFromClosedQueueWithElementsRemaining.
    QueueCore q("q", Shuffle(10, 2, 3), kManyWaiting);
    EnqueueRange(q, 4);
    q.DequeueMany(10, 3, kNever);
    CHECK(Done(q).empty());  // Took 2; min_after_dequeue keeps the other 2.
    q.Close(11, false, kNever);
    std::vector<Completion> done = q.TakeCompletions();
    REQUIRE(done.size() == 2);
    CHECK(done[1].value[0].shape() == Shape{3});
    q.DequeueMany(12, 3, kNever);
    CHECK(CodeOf(TakeOne(q).status) == "OUT_OF_RANGE");
    CHECK(q.size() == 1);
    CHECK(TakeMany(q, 13, 1).size() == 1);
  }

  TEST_CASE("a shuffle queue checks min_after_dequeue and seeds when shared") {
    CHECK(
        absl::StrContains(ValidateQueueSpec(Shuffle(10, 10, 0), "q").message(),
                          "min_after_dequeue 10 must be < capacity 10"));
    CHECK(
        absl::StrContains(ValidateQueueSpec(Shuffle(10, -1, 0), "q").message(),
                          "min_after_dequeue -1 must be >= 0"));
    QueueSpec existing = Shuffle(10, 2, 5);
    CHECK(absl::StrContains(
        CheckSharedQueue(existing, Shuffle(10, 3, 5), "q").message(),
        "Shared queue 'q' has min_after_dequeue 2 but requested "
        "min_after_dequeue was 3."));
    CHECK(absl::StrContains(
        CheckSharedQueue(existing, Shuffle(10, 2, 6), "q").message(),
        "Shared queue 'q' has random seeds (5, 0) but requested seeds are (6, "
        "0)."));
    CHECK(CheckSharedQueue(existing, Shuffle(10, 2, 0), "q").ok());
  }

  // -- PaddingFIFOQueue -------------------------------------------------------

  TEST_CASE(
      "a padding queue pads each unknown dimension to the batch's largest") {
    // TensorFlow's
    // testMultiDequeueManyWithPartiallyKnownShapesAndVariableSizeInput.
    QueueCore q(
        "q",
        Padding(10, {DT_STRING, DT_INT32},
                {{PartialShape::kUnknownDim}, {1, PartialShape::kUnknownDim}}),
        kManyWaiting);
    std::vector<std::vector<std::string>> words = {{"a"},
                                                   {"ab"},
                                                   {"abc"},
                                                   {"abc", "d"},
                                                   {"abc", "d", "e"},
                                                   {"abc", "d", "e", "f"}};
    std::vector<std::vector<int32_t>> numbers = {
        {1}, {2}, {3}, {1, 2}, {1, 2, 3}, {1, 2, 3, 4}};
    for (size_t i = 0; i < words.size(); ++i) {
      int64_t n = static_cast<int64_t>(words[i].size());
      int64_t m = static_cast<int64_t>(numbers[i].size());
      q.Enqueue(i + 1,
                {Tensor::FromStrings({n}, words[i]),
                 Tensor::FromVector<int32_t>({1, m}, numbers[i])},
                kNever);
    }
    q.TakeCompletions();
    q.DequeueMany(10, 5, kNever);
    Completion batch = TakeOne(q);
    REQUIRE(batch.status.ok());
    CHECK(Show(batch.value[0]) == "string[5,3]{a,,,ab,,,abc,,,abc,d,,abc,d,e}");
    CHECK(Show(batch.value[1]) ==
          "int32[5,1,3]{1,0,0,2,0,0,3,0,0,1,2,0,1,2,3}");
    q.Dequeue(11, kNever);
    Completion single = TakeOne(q);
    CHECK(Show(single.value[0]) == "string[4]{abc,d,e,f}");
    CHECK(Show(single.value[1]) == "int32[1,4]{1,2,3,4}");
  }

  TEST_CASE(
      "the chapter's 3x2, 1x1 and 2x4 matrices come out padded to 3x3x4") {
    QueueCore q(
        "q",
        Padding(50, {DT_FLOAT},
                {{PartialShape::kUnknownDim, PartialShape::kUnknownDim}}),
        kManyWaiting);
    q.Enqueue(1, {Tensor::FromVector<float>({3, 2}, {1, 2, 3, 4, 5, 6})},
              kNever);
    q.Enqueue(2, {Tensor::FromVector<float>({1, 1}, {7})}, kNever);
    q.Enqueue(3, {Tensor::FromVector<float>({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})},
              kNever);
    q.TakeCompletions();
    q.DequeueMany(4, 3, kNever);
    Completion batch = TakeOne(q);
    REQUIRE(batch.status.ok());
    CHECK(Show(batch.value[0]) ==
          "float[3,3,4]{1,2,0,0,3,4,0,0,5,6,0,0,7,0,0,0,0,0,0,0,0,0,0,0,"
          "1,2,3,4,5,6,7,8,0,0,0,0}");
  }

  TEST_CASE(
      "a padding queue pads elements of rank 5, beyond TensorFlow's limit of "
      "4") {
    PartialShape shape{1, 1, 1, 1, PartialShape::kUnknownDim};
    QueueCore q("q", Padding(4, {DT_INT32}, {shape}), kManyWaiting);
    q.Enqueue(1, {Tensor::FromVector<int32_t>({1, 1, 1, 1, 1}, {5})}, kNever);
    q.Enqueue(2, {Tensor::FromVector<int32_t>({1, 1, 1, 1, 2}, {6, 7})},
              kNever);
    q.TakeCompletions();
    q.DequeueUpTo(3, 2, kNever);
    CHECK(Show(TakeOne(q).value[0]) == "int32[2,1,1,1,1,2]{5,0,6,7}");
  }

  TEST_CASE(
      "a padded batch past the memory limit is RESOURCE_EXHAUSTED and leaves "
      "the queue as it was") {
    // [1,50000] and [50000,1] pad to [2,50000,50000]: 20 GB of float32.
    QueueCore q(
        "q",
        Padding(4, {DT_FLOAT},
                {{PartialShape::kUnknownDim, PartialShape::kUnknownDim}}),
        kManyWaiting, /*max_padded_batch_bytes=*/uint64_t{1} << 30);
    q.Enqueue(
        1,
        {Tensor::FromBytes(DT_FLOAT, {1, 50000}, std::vector<char>(50000 * 4))},
        kNever);
    q.Enqueue(
        2,
        {Tensor::FromBytes(DT_FLOAT, {50000, 1}, std::vector<char>(50000 * 4))},
        kNever);
    q.TakeCompletions();
    for (uint64_t id : {3, 4}) {
      if (id == 3) q.DequeueMany(id, 2, kNever);
      if (id == 4) q.DequeueUpTo(id, 2, kNever);
      Completion refused = TakeOne(q);
      CHECK(refused.status.code() == absl::StatusCode::kResourceExhausted);
      CHECK(refused.status.message() ==
            "PaddingFIFOQueue 'q': the batch of 2 elements, padded to "
            "[2,50000,50000] in component 0, would take 20000000000 bytes, "
            "more than the task's memory limit of 1073741824 bytes; the "
            "elements stay in the queue");
      CHECK(q.size() == 2);
    }
    q.Dequeue(5, kNever);
    CHECK(TakeOne(q).value[0].shape() == Shape{1, 50000});
    q.Dequeue(6, kNever);
    CHECK(TakeOne(q).value[0].shape() == Shape{50000, 1});
  }

  TEST_CASE(
      "padding elements with no bytes but huge dimensions is refused, never "
      "overflowed") {
    const int64_t huge = 6148914691236517206;
    QueueCore q(
        "q",
        Padding(4, {DT_FLOAT},
                {{PartialShape::kUnknownDim, PartialShape::kUnknownDim}}),
        kManyWaiting);
    q.Enqueue(1, {Tensor::FromBytes(DT_FLOAT, {0, huge}, {})}, kNever);
    q.Enqueue(2, {Tensor::FromVector<float>({5, 3}, std::vector<float>(15))},
              kNever);
    q.TakeCompletions();
    q.DequeueMany(3, 2, kNever);
    Completion refused = TakeOne(q);
    CHECK(refused.status.code() == absl::StatusCode::kResourceExhausted);
    CHECK(absl::StrContains(refused.status.message(),
                            "padded to [2,5,6148914691236517206] in component "
                            "0, would take more bytes than 64 bits count"));
    CHECK(q.size() == 2);

    // Shapes [N,1,1,0], [1,N,1,0] and [1,1,N,0] have no bytes, but their
    // batch [3,N,N,N,0] has 10^12 cells to walk or print.
    const int64_t n = 10000;
    QueueCore rank4(
        "r",
        Padding(4, {DT_FLOAT},
                {{PartialShape::kUnknownDim, PartialShape::kUnknownDim,
                  PartialShape::kUnknownDim, 0}}),
        kManyWaiting);
    rank4.Enqueue(1, {Tensor::FromBytes(DT_FLOAT, {n, 1, 1, 0}, {})}, kNever);
    rank4.Enqueue(2, {Tensor::FromBytes(DT_FLOAT, {1, n, 1, 0}, {})}, kNever);
    rank4.Enqueue(3, {Tensor::FromBytes(DT_FLOAT, {1, 1, n, 0}, {})}, kNever);
    rank4.TakeCompletions();
    rank4.DequeueMany(4, 3, kNever);
    Completion cells = TakeOne(rank4);
    CHECK(cells.status.code() == absl::StatusCode::kResourceExhausted);
    CHECK(absl::StrContains(cells.status.message(),
                            "[3,10000,10000,10000,0] in component 0, would "
                            "take 12000000000000 bytes"));
    CHECK(rank4.size() == 3);
  }

  TEST_CASE("an empty padded dequeue_many sets unknown dimensions to 0") {
    QueueCore q("q", Padding(4, {DT_FLOAT}, {{PartialShape::kUnknownDim, 3}}),
                kManyWaiting);
    q.DequeueMany(1, 0, kNever);
    CHECK(TakeOne(q).value[0].shape() == Shape{0, 0, 3});
  }

  TEST_CASE(
      "a padding queue checks partially known shapes with TensorFlow's texts") {
    QueueCore q("q", Padding(4, {DT_FLOAT}, {{PartialShape::kUnknownDim, 3}}),
                kManyWaiting);
    q.Enqueue(1, {Tensor::Zeros(DT_FLOAT, {3, 4})}, kNever);
    CHECK(absl::StrContains(
        TakeOne(q).status.message(),
        "Shape mismatch in tuple component 0. Expected [?,3], got [3,4]"));
    q.EnqueueMany(2, {Tensor::Zeros(DT_FLOAT, {2, 3, 4})}, kNever);
    CHECK(absl::StrContains(
        TakeOne(q).status.message(),
        "Shape mismatch in tuple component 0. Expected [2,?,3], got [2,3,4]"));
    CHECK(q.size() == 0);
    q.Enqueue(3, {Tensor::Zeros(DT_FLOAT, {5, 3})}, kNever);
    CHECK(TakeOne(q).status.ok());
  }

  TEST_CASE("a padding queue needs a shape of known rank for every component") {
    CHECK(absl::StrContains(
        ValidateQueueSpec(Padding(4, {DT_FLOAT}, {}), "q").message(),
        "Shapes must be provided for all components, but received 1 "
        "dtypes and 0 shapes."));
    CHECK(absl::StrContains(
        ValidateQueueSpec(Padding(4, {DT_FLOAT}, {PartialShape::UnknownRank()}),
                          "q")
            .message(),
        "All shapes must have a defined rank"));
    QueueSpec existing =
        Padding(4, {DT_FLOAT}, {{PartialShape::kUnknownDim, 3}});
    CHECK(
        CheckSharedQueue(existing, Padding(4, {DT_FLOAT}, {{2, 3}}), "q").ok());
    CHECK(!CheckSharedQueue(existing, Padding(4, {DT_FLOAT}, {{2, 4}}), "q")
               .ok());
  }

  TEST_CASE("a closed padding queue names itself as TensorFlow does") {
    QueueCore q("q", Padding(4, {DT_FLOAT}, {{PartialShape::kUnknownDim}}),
                kManyWaiting);
    q.Close(1, false, kNever);
    q.Enqueue(2, {Tensor::Zeros(DT_FLOAT, {2})}, kNever);
    q.Dequeue(3, kNever);
    q.DequeueMany(4, 2, kNever);
    CHECK(Done(q) ==
          "1 OK | 2 CANCELLED: FIFOQueue 'q' is closed. | 3 OUT_OF_RANGE: "
          "FIFOQueue 'q' is "
          "closed and has insufficient elements (requested 1, current size 0) "
          "| 4 "
          "OUT_OF_RANGE: PaddingFIFOQueue 'q' is closed and has insufficient "
          "elements "
          "(requested 2, current size 0)");
  }

  // -- PriorityQueue
  // ------------------------------------------------------------

  TEST_CASE(
      "a priority queue hands out the smallest priority first, ties in arrival "
      "order") {
    QueueCore q("q", Priority(10, {DT_STRING}, {{}}), kManyWaiting);
    q.Enqueue(1, P(5, "e"), kNever);
    q.Enqueue(2, P(-3, "a"), kNever);
    q.Enqueue(3, P(5, "f"), kNever);
    q.Enqueue(4, P(1, "b"), kNever);
    q.Enqueue(5, P(5, "g"), kNever);
    q.TakeCompletions();
    q.DequeueMany(6, 5, kNever);
    Completion batch = TakeOne(q);
    CHECK(Show(batch.value[0]) == "int64[5]{-3,1,5,5,5}");
    CHECK(Show(batch.value[1]) == "string[5]{a,b,e,f,g}");
  }

  TEST_CASE(
      "a priority dequeue_many waits for all n elements, then takes them "
      "sorted") {
    QueueCore q("q", Priority(10, {DT_STRING}, {{}}), kManyWaiting);
    q.Enqueue(1, P(9, "z"), kNever);
    q.DequeueMany(2, 2, kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 1);
    q.Enqueue(3, P(0, "a"), kNever);
    std::vector<Completion> done = q.TakeCompletions();
    REQUIRE(done.size() == 2);
    CHECK(Show(done[1].value[1]) == "string[2]{a,z}");
  }

  TEST_CASE(
      "a priority dequeue_up_to after close returns what is left and drops "
      "nothing") {
    QueueCore q("q", Priority(10, {DT_STRING}, {{}}), kManyWaiting);
    q.Enqueue(1, P(2, "b"), kNever);
    q.Enqueue(2, P(1, "a"), kNever);
    q.DequeueUpTo(3, 5, kNever);
    q.Close(4, false, kNever);
    std::vector<Completion> done = q.TakeCompletions();
    REQUIRE(done.size() == 4);
    CHECK(Show(done[3].value[1]) == "string[2]{a,b}");
    q.DequeueUpTo(5, 5, kNever);
    CHECK(CodeOf(TakeOne(q).status) == "OUT_OF_RANGE");
  }

  TEST_CASE("an expired priority dequeue_many leaves the order intact") {
    QueueCore q("q", Priority(10, {DT_STRING}, {{}}), kManyWaiting);
    q.Enqueue(1, P(1, "a"), kNever);
    q.Enqueue(2, P(1, "b"), kNever);
    q.DequeueMany(3, 3, Clock::now());
    q.TakeCompletions();
    q.ExpireUntil(Clock::now());
    CHECK(CodeOf(TakeOne(q).status) == "DEADLINE_EXCEEDED");
    q.DequeueMany(4, 2, kNever);
    CHECK(Show(TakeOne(q).value[1]) == "string[2]{a,b}");
  }

  TEST_CASE("a priority must be an int64 scalar") {
    QueueCore q("q", Priority(10, {DT_STRING}, {}), kManyWaiting);
    q.Enqueue(1,
              {Tensor::FromVector<int64_t>({2}, {1, 2}),
               Tensor::Scalar<std::string>("x")},
              kNever);
    CHECK(absl::StrContains(
        TakeOne(q).status.message(),
        "Shape mismatch in tuple component 0. Expected [], got [2]"));
    q.Enqueue(2, {Tensor::Scalar<int32_t>(1), Tensor::Scalar<std::string>("x")},
              kNever);
    CHECK(absl::StrContains(
        TakeOne(q).status.message(),
        "Type mismatch in tuple component 0. Expected int64, got int32"));
    q.EnqueueMany(3,
                  {Tensor::FromVector<int64_t>({2, 2}, {1, 2, 3, 4}),
                   Tensor::FromStrings({2}, {"x", "y"})},
                  kNever);
    CHECK(absl::StrContains(
        TakeOne(q).status.message(),
        "Shape mismatch in tuple component 0. Expected [2], got [2,2]"));
    q.DequeueMany(4, 1, kNever);
    CHECK(absl::StrContains(
        TakeOne(q).status.message(),
        "PriorityQueue's DequeueMany requires the components to have "
        "specified shapes."));
    CHECK(q.size() == 0);
    QueueSpec wrong = Fifo(10, {DT_INT32, DT_STRING});
    wrong.kind = QueueKind::kPriority;
    CHECK(absl::StrContains(
        ValidateQueueSpec(wrong, "q").message(),
        "PriorityQueue priority index component must be type int64, but "
        "dtype is: int32"));
  }
}

}  // namespace
}  // namespace troupe
