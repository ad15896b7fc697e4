// QueueCore, driven directly: a port of TensorFlow's fifo_queue_test.py cases
// that apply to the state machine, plus Troupe's own differences (deadlines,
// Withdraw, max_waiting, CancelAll, tensor checks). Deterministic: no actors,
// no threads, no sleeps; deadlines are time points chosen by the test.
#include "actors/queue_core.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "doctest/doctest.h"

#include "tests/actors/queue_core_harness.h"

namespace troupe {
namespace {

using namespace queue_harness;  // NOLINT: the harness is this file's
                                // vocabulary.

TEST_SUITE("actors") {
  // -- basic order ------------------------------------------------------------

  TEST_CASE("enqueue then dequeue returns the elements in FIFO order") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}), kManyWaiting);
    q.Enqueue(1, F(10), kNever);
    q.Enqueue(2, F(20), kNever);
    q.Enqueue(3, F(30), kNever);
    CHECK(Done(q) == "1 OK | 2 OK | 3 OK");
    CHECK(q.size() == 3);
    q.Dequeue(4, kNever);
    q.Dequeue(5, kNever);
    q.Dequeue(6, kNever);
    CHECK(Done(q) == "4 OK float[]{10} | 5 OK float[]{20} | 6 OK float[]{30}");
    CHECK(q.size() == 0);
  }

  TEST_CASE("size counts only the elements stored in the queue") {
    QueueCore q("q", Fifo(2, {DT_FLOAT}, {{}}), kManyWaiting);
    CHECK(q.size() == 0);
    q.Enqueue(1, F(10), kNever);
    CHECK(q.size() == 1);
    q.Dequeue(2, kNever);
    CHECK(q.size() == 0);
    CHECK(Done(q) == "1 OK | 2 OK float[]{10}");

    // Elements held by a waiting dequeue_many are not counted.
    q.DequeueMany(3, 3, kNever);
    q.EnqueueMany(4, Fs({1, 2}), kNever);
    CHECK(Done(q) == "4 OK");
    CHECK(q.size() == 0);
    CHECK(q.waiting_dequeues() == 1);
    q.Enqueue(5, F(3), kNever);
    CHECK(Done(q) == "5 OK | 3 OK float[3]{1,2,3}");

    // Neither are the elements of an enqueue_many that wait for space.
    q.EnqueueMany(6, Fs({4, 5, 6, 7}), kNever);
    CHECK(Done(q).empty());
    CHECK(q.size() == 2);
    CHECK(q.waiting_enqueues() == 1);
  }

  TEST_CASE(
      "a tuple of an int32 scalar and a float [3,2] travels as one element") {
    QueueCore q("q", Fifo(10, {DT_INT32, DT_FLOAT}, {{}, {3, 2}}),
                kManyWaiting);
    for (int32_t i = 0; i < 3; ++i) {
      std::vector<float> values;
      for (int k = 0; k < 6; ++k)
        values.push_back(static_cast<float>(10 * i + k));
      q.Enqueue(static_cast<uint64_t>(i + 1),
                {Tensor::Scalar<int32_t>(i),
                 Tensor::FromVector<float>({3, 2}, values)},
                kNever);
    }
    CHECK(Done(q) == "1 OK | 2 OK | 3 OK");
    q.Dequeue(4, kNever);
    q.Dequeue(5, kNever);
    q.Dequeue(6, kNever);
    CHECK(Done(q) ==
          "4 OK int32[]{0} float[3,2]{0,1,2,3,4,5} | "
          "5 OK int32[]{1} float[3,2]{10,11,12,13,14,15} | "
          "6 OK int32[]{2} float[3,2]{20,21,22,23,24,25}");
  }

  TEST_CASE("enqueue_many then dequeue and dequeue_many keep the order") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueMany(1, Fs({10, 20, 30, 40, 50, 60, 70, 80, 90, 100}), kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 10);
    q.Dequeue(2, kNever);
    q.DequeueMany(3, 4, kNever);
    q.DequeueMany(4, 4, kNever);
    q.Dequeue(5, kNever);
    CHECK(Done(q) ==
          "2 OK float[]{10} | 3 OK float[4]{20,30,40,50} | 4 OK "
          "float[4]{60,70,80,90} | "
          "5 OK float[]{100}");
  }

  TEST_CASE("dequeue_many of a tuple batches every component") {
    QueueCore q("q", Fifo(10, {DT_FLOAT, DT_INT32}, {{}, {2}}), kManyWaiting);
    q.EnqueueMany(
        1,
        {Tensor::FromVector<float>({5}, {10, 20, 30, 40, 50}),
         Tensor::FromVector<int32_t>({5, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})},
        kNever);
    q.DequeueMany(2, 3, kNever);
    q.Dequeue(3, kNever);
    q.DequeueUpTo(4, 1, kNever);
    CHECK(
        Done(q) ==
        "1 OK | 2 OK float[3]{10,20,30} int32[3,2]{1,2,3,4,5,6} | "
        "3 OK float[]{40} int32[2]{7,8} | 4 OK float[1]{50} int32[1,2]{9,10}");
  }

  TEST_CASE(
      "dequeue_up_to on an open queue returns exactly n and waits for them") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueMany(1, Fs({10, 20, 30, 40}), kNever);
    q.DequeueUpTo(2, 2, kNever);
    CHECK(Done(q) == "1 OK | 2 OK float[2]{10,20}");
    // testBlockingDequeueUpTo: open, it blocks like dequeue_many.
    q.DequeueUpTo(3, 3, kNever);
    CHECK(Done(q).empty());
    CHECK(q.size() == 0);
    q.Enqueue(4, F(50), kNever);
    CHECK(Done(q) == "4 OK | 3 OK float[3]{30,40,50}");
  }

  TEST_CASE(
      "an enqueue_many larger than the capacity is inserted progressively") {
    // testBigEnqueueMany: capacity 5, ten elements.
    QueueCore q("q", Fifo(5, {DT_INT32}, {{}}), kManyWaiting);
    q.EnqueueMany(
        1, {Tensor::FromVector<int32_t>({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})},
        kNever);
    CHECK(Done(q).empty());
    CHECK(q.size() == 5);
    q.Dequeue(2, kNever);
    CHECK(Done(q) == "2 OK int32[]{0}");
    CHECK(q.size() == 5);
    for (uint64_t id = 3; id <= 5; ++id) q.Dequeue(id, kNever);
    CHECK(Done(q) == "3 OK int32[]{1} | 4 OK int32[]{2} | 5 OK int32[]{3}");
    CHECK(q.size() == 5);
    CHECK(q.waiting_enqueues() == 1);
    // This dequeue makes room for the last element: the enqueue_many completes.
    q.Dequeue(6, kNever);
    CHECK(Done(q) == "6 OK int32[]{4} | 1 OK");
    for (int32_t i = 0; i < 5; ++i) {
      CHECK(q.size() == 5 - i);
      q.Dequeue(static_cast<uint64_t>(7 + i), kNever);
      CHECK(Show(TakeOne(q).value) == absl::StrCat("int32[]{", 5 + i, "}"));
    }
    CHECK(q.size() == 0);
  }

  TEST_CASE(
      "bytes counts the stored elements and those waiting dequeues hold, "
      "through every change") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    CHECK(q.bytes() == 0);
    q.Enqueue(1, F(1), kNever);
    q.EnqueueMany(2, Fs({2, 3, 4}), kNever);
    CHECK(q.bytes() == 16);
    // Part of a batch leaves.
    q.DequeueMany(3, 2, kNever);
    CHECK(Done(q) == "1 OK | 2 OK | 3 OK float[2]{1,2}");
    CHECK(q.bytes() == 8);
    // A waiting dequeue_many holds the rest, and gives it back on expiry.
    const Clock::time_point deadline = Clock::now() + std::chrono::hours(1);
    q.DequeueMany(4, 5, deadline);
    CHECK(q.size() == 0);
    CHECK(q.bytes() == 8);
    q.ExpireUntil(deadline);
    CHECK(absl::StartsWith(Done(q), "4 DEADLINE_EXCEEDED"));
    CHECK(q.size() == 2);
    CHECK(q.bytes() == 8);
    q.Dequeue(5, kNever);
    CHECK(Done(q) == "5 OK float[]{3}");
    CHECK(q.bytes() == 4);
    // A restored snapshot counts what it holds, and only that.
    q.Restore(false, {F(7), F(8), F(9)});
    CHECK(q.bytes() == 12);
  }

  TEST_CASE("a dequeue_many may ask for more elements than the capacity") {
    // testBigDequeueMany: capacity 2, dequeue_many(4).
    QueueCore q("q", Fifo(2, {DT_INT32}, {{}}), kManyWaiting);
    q.DequeueMany(1, 4, kNever);
    CHECK(Done(q).empty());
    for (int32_t i = 0; i < 3; ++i) {
      q.Enqueue(static_cast<uint64_t>(2 + i), {Tensor::Scalar<int32_t>(i)},
                kNever);
      CHECK(Done(q) == absl::StrCat(2 + i, " OK"));
      CHECK(q.size() == 0);
    }
    q.Enqueue(5, {Tensor::Scalar<int32_t>(3)}, kNever);
    CHECK(Done(q) == "5 OK | 1 OK int32[4]{0,1,2,3}");
  }

  // -- empty batches
  // ------------------------------------------------------------

  TEST_CASE(
      "an empty enqueue_many completes at once and changes nothing, even when "
      "closed") {
    // testEmptyEnqueueMany, with and without shapes; closed: TensorFlow's code.
    QueueCore unshaped("q", Fifo(10, {DT_FLOAT}), kManyWaiting);
    unshaped.EnqueueMany(1, {Tensor::Zeros(DT_FLOAT, {0, 2, 3})}, kNever);
    CHECK(Done(unshaped) == "1 OK");
    CHECK(unshaped.size() == 0);

    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{2, 3}}), kManyWaiting);
    q.EnqueueMany(1, {Tensor::Zeros(DT_FLOAT, {0, 2, 3})}, kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 0);
    q.Close(2, false, kNever);
    CHECK(Done(q) == "2 OK");
    q.EnqueueMany(3, {Tensor::Zeros(DT_FLOAT, {0, 2, 3})}, kNever);
    CHECK(Done(q) == "3 OK");
    q.EnqueueMany(4, {Tensor::Zeros(DT_FLOAT, {1, 2, 3})}, kNever);
    CHECK(Done(q) == "4 CANCELLED: FIFOQueue 'q' is closed.");
    CHECK(q.size() == 0);
  }

  TEST_CASE(
      "an empty dequeue_many or dequeue_up_to returns a [0] + shape batch at "
      "once") {
    // testEmptyDequeueMany, testEmptyDequeueUpTo.
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.DequeueMany(1, 0, kNever);
    q.DequeueUpTo(2, 0, kNever);
    CHECK(Done(q) == "1 OK float[0]{} | 2 OK float[0]{}");
    q.Enqueue(3, F(10), kNever);
    q.DequeueMany(4, 0, kNever);
    q.DequeueUpTo(5, 0, kNever);
    CHECK(Done(q) == "3 OK | 4 OK float[0]{} | 5 OK float[0]{}");
    CHECK(q.size() == 1);

    QueueCore shaped("q", Fifo(10, {DT_FLOAT, DT_INT32}, {{2, 3}, {}}),
                     kManyWaiting);
    shaped.DequeueMany(1, 0, kNever);
    CHECK(Done(shaped) == "1 OK float[0,2,3]{} int32[0]{}");
    // No closed check for n == 0 (TensorFlow's code), and no waiting behind
    // others.
    shaped.DequeueMany(2, 1, kNever);
    shaped.DequeueUpTo(3, 0, kNever);
    CHECK(Done(shaped) == "3 OK float[0,2,3]{} int32[0]{}");
    shaped.Close(4, true, kNever);
    shaped.DequeueUpTo(5, 0, kNever);
    CHECK(Done(shaped) ==
          "4 OK | 2 OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements "
          "(requested 1, current size 0) | 5 OK float[0,2,3]{} int32[0]{}");
  }

  TEST_CASE(
      "dequeue_many and dequeue_up_to need component shapes, even for n = 0") {
    // testEmptyDequeueManyWithNoShape.
    QueueCore q("q", Fifo(10, {DT_FLOAT}), kManyWaiting);
    q.Enqueue(1, F(10), kNever);
    CHECK(Done(q) == "1 OK");
    const std::string text =
        "FIFOQueue's DequeueMany and DequeueUpTo require the components to "
        "have specified "
        "shapes.";
    uint64_t id = 2;
    for (int32_t n : {0, 1}) {
      q.DequeueMany(id, n, kNever);
      Completion many = TakeOne(q);
      CHECK(many.id == id++);
      CHECK(CodeOf(many.status) == "INVALID_ARGUMENT");
      CHECK(absl::StartsWith(many.status.message(), text));
      q.DequeueUpTo(id, n, kNever);
      Completion up_to = TakeOne(q);
      CHECK(up_to.id == id++);
      CHECK(CodeOf(up_to.status) == "INVALID_ARGUMENT");
      CHECK(absl::StartsWith(up_to.status.message(), text));
    }
    CHECK(q.size() == 1);
    CHECK(q.waiting_dequeues() == 0);
  }

  TEST_CASE(
      "a negative n is INVALID_ARGUMENT with TensorFlow's text, checked "
      "first") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.DequeueMany(1, -1, kNever);
    Completion many = TakeOne(q);
    CHECK(CodeOf(many.status) == "INVALID_ARGUMENT");
    CHECK(absl::StartsWith(many.status.message(),
                           "DequeueManyOp requested -1 < 0 elements"));
    q.DequeueUpTo(2, -3, kNever);
    Completion up_to = TakeOne(q);
    CHECK(CodeOf(up_to.status) == "INVALID_ARGUMENT");
    CHECK(absl::StartsWith(up_to.status.message(),
                           "DequeueUpToOp requested -3 < 0 elements"));

    // TensorFlow's DequeueManyOp kernel checks n before the queue looks at
    // its shapes, so an unshaped queue reports the negative n too.
    QueueCore unshaped("u", Fifo(10, {DT_FLOAT}), kManyWaiting);
    unshaped.DequeueMany(3, -1, kNever);
    CHECK(absl::StartsWith(TakeOne(unshaped).status.message(),
                           "DequeueManyOp requested -1 < 0 elements"));
    unshaped.DequeueUpTo(4, -1, kNever);
    CHECK(absl::StartsWith(TakeOne(unshaped).status.message(),
                           "DequeueUpToOp requested -1 < 0 elements"));
  }

  // -- validation
  // ----------------------------------------------------------------

  TEST_CASE(
      "an element with the wrong number of components is refused and changes "
      "nothing") {
    QueueCore q("q", Fifo(10, {DT_INT32, DT_FLOAT}), kManyWaiting);
    q.Dequeue(1, kNever);
    q.Enqueue(2, {Tensor::Scalar<int32_t>(1)}, kNever);
    CHECK(Done(q) ==
          "2 INVALID_ARGUMENT: Wrong number of components in tuple. Expected "
          "2, got 1 "
          "(FIFOQueue 'q')");
    q.EnqueueMany(3,
                  {Tensor::FromVector<int32_t>({1}, {1}),
                   Tensor::FromVector<float>({1}, {1}),
                   Tensor::FromVector<float>({1}, {1})},
                  kNever);
    CHECK(Done(q) ==
          "3 INVALID_ARGUMENT: Wrong number of components in tuple. Expected "
          "2, got 3 "
          "(FIFOQueue 'q')");
    CHECK(q.size() == 0);
    CHECK(q.waiting_dequeues() == 1);
    CHECK(q.waiting_enqueues() == 0);
  }

  TEST_CASE("an element of the wrong dtype is refused and changes nothing") {
    QueueCore q("q", Fifo(10, {DT_INT32, DT_FLOAT}), kManyWaiting);
    q.Enqueue(1, {Tensor::Scalar<int32_t>(1), Tensor::Scalar<int32_t>(2)},
              kNever);
    CHECK(Done(q) ==
          "1 INVALID_ARGUMENT: Type mismatch in tuple component 1. Expected "
          "float, got int32 "
          "(FIFOQueue 'q')");
    q.EnqueueMany(2, {Fs({1})[0], Fs({1})[0]}, kNever);
    CHECK(Done(q) ==
          "2 INVALID_ARGUMENT: Type mismatch in tuple component 0. Expected "
          "int32, got float "
          "(FIFOQueue 'q')");
    CHECK(q.size() == 0);
    CHECK(q.waiting_enqueues() == 0);
  }

  TEST_CASE(
      "an element of the wrong shape is refused with both shapes in the "
      "message") {
    // testEnqueueWrongShapeAtRuntime, testEnqueueDequeueManyWrongShape.
    QueueCore q("q", Fifo(10, {DT_INT32, DT_INT32}, {{2, 2}, {3, 3}}),
                kManyWaiting);
    q.Enqueue(
        1, {Tensor::Zeros(DT_INT32, {2, 2}), Tensor::Zeros(DT_INT32, {3, 4})},
        kNever);
    CHECK(Done(q) ==
          "1 INVALID_ARGUMENT: Shape mismatch in tuple component 1. Expected "
          "[3,3], got [3,4] "
          "(FIFOQueue 'q')");
    q.EnqueueMany(2,
                  {Tensor::Zeros(DT_INT32, {2, 2, 2}),
                   Tensor::Zeros(DT_INT32, {2, 3, 4})},
                  kNever);
    CHECK(Done(q) ==
          "2 INVALID_ARGUMENT: Shape mismatch in tuple component 1. Expected "
          "[2,3,3], got "
          "[2,3,4] (FIFOQueue 'q')");
    q.Enqueue(3, {Tensor::Zeros(DT_INT32, {}), Tensor::Zeros(DT_INT32, {3, 3})},
              kNever);
    CHECK(Done(q) ==
          "3 INVALID_ARGUMENT: Shape mismatch in tuple component 0. Expected "
          "[2,2], got [] "
          "(FIFOQueue 'q')");
    CHECK(q.size() == 0);
  }

  TEST_CASE(
      "enqueue_many without shapes needs one batch size for all components") {
    QueueCore q("q", Fifo(10, {DT_INT32, DT_INT32}), kManyWaiting);
    q.EnqueueMany(1,
                  {Tensor::Zeros(DT_INT32, {2}), Tensor::Zeros(DT_INT32, {3})},
                  kNever);
    CHECK(Done(q) ==
          "1 INVALID_ARGUMENT: All input tensors must have the same size in "
          "the 0th dimension. "
          "Component 1 has 3, and should have 2 (FIFOQueue 'q')");
    // A component without a batch dimension cannot be split.
    q.EnqueueMany(2, {Tensor::Zeros(DT_INT32, {2}), Tensor::Scalar<int32_t>(7)},
                  kNever);
    Completion scalar = TakeOne(q);
    CHECK(CodeOf(scalar.status) == "INVALID_ARGUMENT");
    CHECK(absl::StrContains(scalar.status.message(), "component 1"));
    CHECK(absl::EndsWith(scalar.status.message(), "(FIFOQueue 'q')"));
    CHECK(q.size() == 0);
  }

  TEST_CASE(
      "a tensor that fails CheckValid is INVALID_ARGUMENT and changes "
      "nothing") {
    QueueCore q("q", Fifo(2, {DT_FLOAT}, {{2}}), kManyWaiting);
    q.Enqueue(1, {Tensor::FromVector<float>({2}, {1, 2})}, kNever);
    q.DequeueMany(2, 2, kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.waiting_dequeues() == 1);
    // Two floats need 8 bytes; these tensors hold 4 and 7.
    Tensor short_one = Tensor::FromBytes(DT_FLOAT, {2}, std::vector<char>(4));
    REQUIRE(!short_one.CheckValid().ok());
    q.Enqueue(3, {short_one}, kNever);
    Completion enqueue = TakeOne(q);
    CHECK(enqueue.id == 3);
    CHECK(CodeOf(enqueue.status) == "INVALID_ARGUMENT");
    CHECK(absl::StartsWith(enqueue.status.message(),
                           "Invalid tensor in tuple component 0: "));
    CHECK(absl::EndsWith(enqueue.status.message(), "(FIFOQueue 'q')"));
    q.EnqueueMany(
        4, {Tensor::FromBytes(DT_FLOAT, {1, 2}, std::vector<char>(7))}, kNever);
    Completion many = TakeOne(q);
    CHECK(many.id == 4);
    CHECK(CodeOf(many.status) == "INVALID_ARGUMENT");
    CHECK(absl::StartsWith(many.status.message(),
                           "Invalid tensor in tuple component 0: "));
    // The waiting dequeue_many still holds the one good element and waits.
    CHECK(q.size() == 0);
    CHECK(q.waiting_dequeues() == 1);
    CHECK(q.waiting_enqueues() == 0);
    q.Enqueue(5, {Tensor::FromVector<float>({2}, {3, 4})}, kNever);
    CHECK(Done(q) == "5 OK | 2 OK float[2,2]{1,2,3,4}");
  }

  // -- close
  // -----------------------------------------------------------------------

  TEST_CASE("enqueue to a closed queue fails CANCELLED") {
    // testEnqueueToClosedQueue, testEnqueueManyToClosedQueue (TF 1.x:
    // CancelledError).
    QueueCore q("q", Fifo(10, {DT_FLOAT}), kManyWaiting);
    CHECK(!q.closed());
    q.Close(1, false, kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.closed());
    q.Enqueue(2, F(10), kNever);
    q.EnqueueMany(3, Fs({1, 2}), kNever);
    CHECK(Done(q) ==
          "2 CANCELLED: FIFOQueue 'q' is closed. | 3 CANCELLED: FIFOQueue 'q' "
          "is closed.");
    CHECK(q.size() == 0);
  }

  TEST_CASE("dequeue from a closed queue drains it, then fails OUT_OF_RANGE") {
    // testDequeueFromClosedQueue.
    QueueCore q("q", Fifo(10, {DT_FLOAT}), kManyWaiting);
    q.EnqueueMany(1, Fs({10, 20, 30, 40}), kNever);
    q.Close(2, false, kNever);
    CHECK(Done(q) == "1 OK | 2 OK");
    for (uint64_t id = 3; id <= 6; ++id) q.Dequeue(id, kNever);
    CHECK(Done(q) ==
          "3 OK float[]{10} | 4 OK float[]{20} | 5 OK float[]{30} | 6 OK "
          "float[]{40}");
    q.Dequeue(7, kNever);
    CHECK(Done(q) ==
          "7 OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements (requested 1, "
          "current size 0)");
  }

  TEST_CASE(
      "a queue closed with an error drains, then fails with that error, the "
      "first one") {
    // Troupe's own (DATA_LOADING.md §7.1): a runner's cause reaches the
    // consumer instead of a bare OUT_OF_RANGE.
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueMany(1, Fs({10, 20}), kNever);
    q.DequeueMany(2, 3, kNever);  // Waits, holding both.
    q.Close(3, true, kNever, absl::NotFoundError("a.csv; No such file"));
    q.Close(4, true, kNever, absl::DataLossError("later"));
    // The waiting dequeue_many gives back what it held.
    CHECK(Done(q) == "1 OK | 3 OK | 2 NOT_FOUND: a.csv; No such file | 4 OK");
    q.Dequeue(5, kNever);
    q.Dequeue(6, kNever);
    CHECK(Done(q) == "5 OK float[]{10} | 6 OK float[]{20}");
    q.DequeueUpTo(7, 2, kNever);
    q.Enqueue(8, F(1), kNever);
    CHECK(Done(q) ==
          "7 NOT_FOUND: a.csv; No such file | 8 CANCELLED: FIFOQueue 'q' is "
          "closed.");
  }

  TEST_CASE("a blocked dequeue fails OUT_OF_RANGE when the queue is closed") {
    // testBlockingDequeueFromClosedEmptyQueue.
    QueueCore q("q", Fifo(10, {DT_FLOAT}), kManyWaiting);
    q.Dequeue(1, kNever);
    CHECK(Done(q).empty());
    q.Close(2, false, kNever);
    CHECK(Done(q) ==
          "2 OK | 1 OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements "
          "(requested 1, current size 0)");
    CHECK(q.waiting_dequeues() == 0);
  }

  TEST_CASE(
      "dequeue_many on a closed queue succeeds while enough elements remain") {
    // testBlockingDequeueManyFromClosedQueue.
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueMany(1, Fs({10, 20, 30, 40}), kNever);
    q.Close(2, false, kNever);
    q.DequeueMany(3, 4, kNever);
    CHECK(Done(q) == "1 OK | 2 OK | 3 OK float[4]{10,20,30,40}");
    q.DequeueMany(4, 4, kNever);
    CHECK(Done(q) ==
          "4 OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements (requested 4, "
          "current size 0)");

    // Too few elements: refused, and the elements stay.
    QueueCore r("r", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    r.EnqueueMany(1, Fs({10, 20}), kNever);
    r.Close(2, false, kNever);
    r.DequeueMany(3, 3, kNever);
    CHECK(Done(r) ==
          "1 OK | 2 OK | 3 OUT_OF_RANGE: FIFOQueue 'r' is closed and has "
          "insufficient elements "
          "(requested 3, current size 2)");
    CHECK(r.size() == 2);
    r.DequeueUpTo(4, 3, kNever);
    CHECK(Done(r) == "4 OK float[2]{10,20}");
  }

  TEST_CASE("close waits behind a blocked enqueue, which then succeeds") {
    // testBlockingEnqueueBeforeClose.
    QueueCore q("q", Fifo(4, {DT_FLOAT}), kManyWaiting);
    q.EnqueueMany(1, Fs({10, 20, 30, 40}), kNever);
    CHECK(Done(q) == "1 OK");
    q.Enqueue(2, F(50), kNever);
    q.Close(3, false, kNever);
    q.Enqueue(4, F(60), kNever);
    CHECK(Done(q).empty());
    CHECK(!q.closed());
    CHECK(q.waiting_enqueues() == 3);
    q.Dequeue(5, kNever);
    CHECK(Done(q) ==
          "5 OK float[]{10} | 2 OK | 3 OK | 4 CANCELLED: FIFOQueue 'q' is "
          "closed.");
    CHECK(q.closed());
    CHECK(Drain(q, 6) == "float[]{20} float[]{30} float[]{40} float[]{50}");
    q.Dequeue(10, kNever);
    CHECK(CodeOf(TakeOne(q).status) == "OUT_OF_RANGE");
  }

  TEST_CASE(
      "close waits behind a partly inserted enqueue_many, which then "
      "completes") {
    // testBlockingEnqueueManyBeforeClose.
    QueueCore q("q", Fifo(4, {DT_FLOAT}), kManyWaiting);
    q.EnqueueMany(1, Fs({10, 20, 30}), kNever);
    q.EnqueueMany(2, Fs({50, 60}), kNever);
    q.Close(3, false, kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 4);
    CHECK(!q.closed());
    q.Dequeue(4, kNever);
    CHECK(Done(q) == "4 OK float[]{10} | 2 OK | 3 OK");
    CHECK(q.closed());
    CHECK(Drain(q, 5) == "float[]{20} float[]{30} float[]{50} float[]{60}");
  }

  TEST_CASE(
      "close with cancel_pending_enqueues cancels every waiting enqueue, a "
      "close too") {
    // testBlockingEnqueueToClosedQueue, testBlockingEnqueueManyToClosedQueue.
    QueueCore q("q", Fifo(1, {DT_FLOAT}), kManyWaiting);
    q.Enqueue(1, F(1), kNever);
    q.Enqueue(2, F(2), kNever);
    q.Close(3, false, kNever);
    q.EnqueueMany(4, Fs({3, 4}), kNever);
    CHECK(Done(q) == "1 OK");
    q.Close(5, true, kNever);
    CHECK(Done(q) ==
          "2 CANCELLED: Enqueue operation was cancelled | 3 CANCELLED: Enqueue "
          "operation was "
          "cancelled | 4 CANCELLED: Enqueue operation was cancelled | 5 OK");
    CHECK(q.closed());
    CHECK(q.waiting_enqueues() == 0);
    // The stored element is not discarded.
    q.Dequeue(6, kNever);
    q.Dequeue(7, kNever);
    CHECK(Done(q) ==
          "6 OK float[]{1} | 7 OUT_OF_RANGE: FIFOQueue 'q' is closed and has "
          "insufficient "
          "elements (requested 1, current size 0)");
    // Closing and cancelling again is fine (no "already closed").
    q.Close(8, true, kNever);
    CHECK(Done(q) == "8 OK");
  }

  TEST_CASE(
      "close with cancel_pending_enqueues keeps what a partial enqueue_many "
      "inserted") {
    QueueCore q("q", Fifo(3, {DT_FLOAT}, {{}}), kManyWaiting);
    q.Enqueue(1, F(1), kNever);
    q.EnqueueMany(2, Fs({2, 3, 4, 5}), kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 3);
    q.Close(3, true, kNever);
    CHECK(Done(q) ==
          "2 CANCELLED: Enqueue operation was cancelled; 2 of 4 elements were "
          "enqueued and stay in the queue | 3 OK");
    q.DequeueUpTo(4, 5, kNever);
    CHECK(Done(q) == "4 OK float[3]{1,2,3}");
  }

  TEST_CASE(
      "close with cancel_pending_enqueues fails the dequeues it cannot serve") {
    QueueCore q("q", Fifo(2, {DT_FLOAT}, {{}}), kManyWaiting);
    q.Enqueue(1, F(1), kNever);
    q.Enqueue(2, F(2), kNever);
    q.Enqueue(3, F(3), kNever);
    CHECK(Done(q) == "1 OK | 2 OK");
    q.Close(4, true, kNever);
    q.Dequeue(5, kNever);
    q.DequeueMany(6, 2, kNever);
    CHECK(Done(q) ==
          "3 CANCELLED: Enqueue operation was cancelled | 4 OK | 5 OK "
          "float[]{1} | "
          "6 OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements (requested 2, "
          "current size 1)");

    QueueCore empty("e", Fifo(2, {DT_FLOAT}), kManyWaiting);
    empty.Dequeue(1, kNever);
    empty.Close(2, true, kNever);
    CHECK(Done(empty) ==
          "2 OK | 1 OUT_OF_RANGE: FIFOQueue 'e' is closed and has insufficient "
          "elements "
          "(requested 1, current size 0)");
  }

  TEST_CASE("closing a closed queue fails CANCELLED") {
    QueueCore q("q", Fifo(2, {DT_FLOAT}), kManyWaiting);
    q.Close(1, false, kNever);
    q.Close(2, false, kNever);
    CHECK(Done(q) == "1 OK | 2 CANCELLED: Queue 'q' is already closed.");
    CHECK(q.closed());
  }

  TEST_CASE(
      "a closed blocking dequeue_many restores its partial batch in order") {
    // testClosedBlockingDequeueManyRestoresPartialBatch.
    QueueCore q("q", Fifo(4, {DT_FLOAT, DT_FLOAT}, {{}, {}}), kManyWaiting);
    q.EnqueueMany(1,
                  {Tensor::FromVector<float>({3}, {1, 2, 3}),
                   Tensor::FromVector<float>({3}, {10, 20, 30})},
                  kNever);
    q.DequeueMany(2, 4, kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 0);
    q.Close(3, false, kNever);
    CHECK(Done(q) ==
          "3 OK | 2 OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements "
          "(requested 1, current size 0)");
    CHECK(q.size() == 3);
    CHECK(
        Drain(q, 4) ==
        "float[]{1} float[]{10} float[]{2} float[]{20} float[]{3} float[]{30}");
  }

  TEST_CASE("dequeue_up_to from a closed queue returns the remainder") {
    // testDequeueUpToFromClosedQueueReturnsRemainder.
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueMany(1, Fs({10, 20, 30, 40}), kNever);
    q.DequeueUpTo(2, 3, kNever);
    q.Close(3, false, kNever);
    q.DequeueUpTo(4, 3, kNever);
    q.DequeueUpTo(5, 3, kNever);
    CHECK(Done(q) ==
          "1 OK | 2 OK float[3]{10,20,30} | 3 OK | 4 OK float[1]{40} | 5 "
          "OUT_OF_RANGE: "
          "FIFOQueue 'q' is closed and has insufficient elements (requested 3, "
          "current size 0)");

    // A waiting dequeue_up_to that holds part of its batch gets that part.
    QueueCore r("r", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    r.DequeueUpTo(1, 5, kNever);
    r.EnqueueMany(2, Fs({10, 20}), kNever);
    CHECK(Done(r) == "2 OK");
    r.Close(3, false, kNever);
    CHECK(Done(r) == "3 OK | 1 OK float[2]{10,20}");
    CHECK(r.size() == 0);
  }

  TEST_CASE(
      "a blocking dequeue_up_to on a closed empty queue fails OUT_OF_RANGE") {
    // testBlockingDequeueUpToFromClosedEmptyQueue.
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.DequeueUpTo(1, 4, kNever);
    CHECK(Done(q).empty());
    q.Close(2, false, kNever);
    CHECK(Done(q) ==
          "2 OK | 1 OUT_OF_RANGE: FIFOQueue 'q' is closed and has insufficient "
          "elements "
          "(requested 4, current size 0)");
  }

  // -- arrival order
  // ------------------------------------------------------------------

  TEST_CASE("a later dequeue cannot overtake an earlier waiting dequeue_many") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.DequeueMany(1, 3, kNever);
    q.Dequeue(2, kNever);
    q.Enqueue(3, F(1), kNever);
    q.Enqueue(4, F(2), kNever);
    CHECK(Done(q) == "3 OK | 4 OK");
    CHECK(q.waiting_dequeues() == 2);
    q.Enqueue(5, F(3), kNever);
    CHECK(Done(q) == "5 OK | 1 OK float[3]{1,2,3}");
    q.Enqueue(6, F(4), kNever);
    CHECK(Done(q) == "6 OK | 2 OK float[]{4}");
  }

  TEST_CASE(
      "a later enqueue waits behind an earlier enqueue_many, whose elements "
      "stay together") {
    QueueCore q("q", Fifo(2, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueMany(1, Fs({1, 2}), kNever);
    q.EnqueueMany(2, Fs({3, 4, 5}), kNever);
    q.Enqueue(3, F(6), kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.waiting_enqueues() == 2);
    // The enqueue_many moves in as space frees up; the enqueue waits until it
    // is done.
    q.DequeueMany(4, 3, kNever);
    CHECK(Done(q) == "4 OK float[3]{1,2,3} | 2 OK");
    CHECK(q.waiting_enqueues() == 1);
    CHECK(q.size() == 2);
    q.DequeueMany(5, 3, kNever);
    CHECK(Done(q) == "3 OK | 5 OK float[3]{4,5,6}");
  }

  TEST_CASE("a capacity-0 queue makes every enqueue wait") {
    QueueCore q("q", Fifo(0, {DT_FLOAT}), kManyWaiting);
    q.Dequeue(1, kNever);
    q.Enqueue(2, F(1), kNever);
    CHECK(Done(q).empty());
    CHECK(q.waiting_enqueues() == 1);
    CHECK(q.waiting_dequeues() == 1);
    CHECK(q.size() == 0);
  }

  // -- Troupe: deadlines
  // ----------------------------------------------------------------

  TEST_CASE("an expired dequeue_many puts its partial batch back in order") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    Clock::time_point t0 = Clock::now();
    Clock::time_point deadline = t0 + std::chrono::hours(1);
    q.DequeueMany(1, 3, deadline);
    q.Enqueue(2, F(1), kNever);
    q.Enqueue(3, F(2), kNever);
    CHECK(Done(q) == "2 OK | 3 OK");
    CHECK(q.size() == 0);
    q.ExpireUntil(deadline - std::chrono::milliseconds(1));
    CHECK(Done(q).empty());
    q.ExpireUntil(deadline);
    Completion expired = TakeOne(q);
    CHECK(expired.id == 1);
    CHECK(CodeOf(expired.status) == "DEADLINE_EXCEEDED");
    CHECK(absl::StartsWith(expired.status.message(), "Timed out after "));
    CHECK(absl::EndsWith(expired.status.message(),
                         "waiting to dequeue from FIFOQueue 'q'"));
    CHECK(expired.value.empty());
    CHECK(q.size() == 2);
    CHECK(q.waiting_dequeues() == 0);
    // A later consumer gets them, in order, and the queue goes on.
    q.DequeueMany(4, 3, kNever);
    q.Enqueue(5, F(3), kNever);
    CHECK(Done(q) == "5 OK | 4 OK float[3]{1,2,3}");
  }

  TEST_CASE(
      "an expired dequeue_many hands its elements to the dequeue waiting "
      "behind it") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    Clock::time_point deadline = Clock::now() + std::chrono::hours(1);
    q.DequeueMany(1, 3, deadline);
    q.Dequeue(2, kNever);
    q.EnqueueMany(3, Fs({1, 2}), kNever);
    CHECK(Done(q) == "3 OK");
    q.ExpireUntil(deadline + std::chrono::seconds(1));
    std::vector<Completion> done = q.TakeCompletions();
    REQUIRE(done.size() == 2);
    CHECK(done[0].id == 1);
    CHECK(CodeOf(done[0].status) == "DEADLINE_EXCEEDED");
    CHECK(Show(done[1]) == "2 OK float[]{1}");
    CHECK(q.size() == 1);
    CHECK(Drain(q, 4) == "float[]{2}");
  }

  TEST_CASE("an expired enqueue leaves the queue unchanged") {
    QueueCore q("q", Fifo(1, {DT_FLOAT}), kManyWaiting);
    Clock::time_point deadline = Clock::now() + std::chrono::hours(1);
    q.Enqueue(1, F(1), kNever);
    q.Enqueue(2, F(2), deadline);
    CHECK(Done(q) == "1 OK");
    q.ExpireUntil(deadline);
    Completion expired = TakeOne(q);
    CHECK(expired.id == 2);
    CHECK(CodeOf(expired.status) == "DEADLINE_EXCEEDED");
    CHECK(absl::StrContains(expired.status.message(),
                            "waiting to enqueue to FIFOQueue 'q'"));
    CHECK(q.size() == 1);
    CHECK(q.waiting_enqueues() == 0);
    CHECK(Drain(q, 3) == "float[]{1}");
    // The expired element never arrives later.
    q.Dequeue(4, kNever);
    CHECK(Done(q).empty());
  }

  TEST_CASE(
      "a waiting dequeue_many holds elements beyond the capacity, counted as "
      "held, up to the memory limit") {
    // Four float32 scalars take 16 bytes: the fifth is past a 16-byte limit.
    QueueCore q("q", Fifo(2, {DT_FLOAT}, {{}}), kManyWaiting,
                /*max_batch_bytes=*/16);
    q.DequeueMany(1, 500, kNever);
    for (uint64_t id = 2; id <= 5; ++id)
      q.Enqueue(id, F(static_cast<float>(id)), kNever);
    CHECK(Done(q) == "2 OK | 3 OK | 4 OK | 5 OK");
    CHECK(q.size() == 0);
    CHECK(q.held() == 4);
    q.Enqueue(6, F(6), kNever);
    CHECK(Done(q) ==
          "6 OK | 1 RESOURCE_EXHAUSTED: FIFOQueue 'q': a batch of 500 "
          "elements would hold more than the task's memory limit of 16 bytes "
          "(5 elements take 20); the elements stay in the queue");
    CHECK(q.held() == 0);
    CHECK(Drain(q, 7) ==
          "float[]{2} float[]{3} float[]{4} float[]{5} float[]{6}");
  }

  TEST_CASE("an expired enqueue_many keeps what it inserted and says so") {
    QueueCore q("q", Fifo(2, {DT_FLOAT}, {{}}), kManyWaiting);
    Clock::time_point deadline = Clock::now() + std::chrono::hours(1);
    q.Enqueue(1, F(1), kNever);
    q.EnqueueMany(2, Fs({2, 3, 4}), deadline);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 2);
    q.ExpireUntil(deadline);
    Completion expired = TakeOne(q);
    CHECK(CodeOf(expired.status) == "DEADLINE_EXCEEDED");
    CHECK(absl::EndsWith(
        expired.status.message(),
        "; 1 of 3 elements were enqueued and stay in the queue"));
    CHECK(Drain(q, 3) == "float[]{1} float[]{2}");
  }

  TEST_CASE(
      "an expired close leaves the queue open and unblocks the enqueues behind "
      "it") {
    QueueCore q("q", Fifo(1, {DT_FLOAT}), kManyWaiting);
    Clock::time_point deadline = Clock::now() + std::chrono::hours(1);
    q.Enqueue(1, F(1), kNever);
    q.Enqueue(2, F(2), deadline);
    q.Close(3, false, deadline);
    q.Enqueue(4, F(4), kNever);
    CHECK(Done(q) == "1 OK");
    q.ExpireUntil(deadline);
    std::vector<Completion> done = q.TakeCompletions();
    REQUIRE(done.size() == 2);
    CHECK(done[0].id == 2);
    CHECK(done[1].id == 3);
    CHECK(CodeOf(done[1].status) == "DEADLINE_EXCEEDED");
    CHECK(absl::StrContains(done[1].status.message(),
                            "waiting to close FIFOQueue 'q'"));
    CHECK(!q.closed());
    q.Dequeue(5, kNever);
    CHECK(Done(q) == "5 OK float[]{1} | 4 OK");
    CHECK(Drain(q, 6) == "float[]{4}");
  }

  // -- Troupe: Withdraw
  // -----------------------------------------------------------------

  TEST_CASE(
      "Withdraw answers with the given status and puts a partial batch back") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.DequeueMany(1, 3, kNever);
    q.EnqueueMany(2, Fs({1, 2}), kNever);
    CHECK(Done(q) == "2 OK");
    q.Withdraw(1, absl::CancelledError("The requester is gone"));
    CHECK(Done(q) == "1 CANCELLED: The requester is gone");
    CHECK(q.size() == 2);
    CHECK(q.waiting_dequeues() == 0);
    // Withdrawing what is not waiting (done or unknown) does nothing.
    q.Withdraw(1, absl::CancelledError("again"));
    q.Withdraw(99, absl::CancelledError("unknown"));
    CHECK(Done(q).empty());
    CHECK(Drain(q, 3) == "float[]{1} float[]{2}");
  }

  TEST_CASE("withdrawing a blocked enqueue lets the close behind it run") {
    QueueCore q("q", Fifo(1, {DT_FLOAT}), kManyWaiting);
    q.Enqueue(1, F(1), kNever);
    q.Enqueue(2, F(2), kNever);
    q.Close(3, false, kNever);
    CHECK(Done(q) == "1 OK");
    q.Withdraw(2, absl::CancelledError("gone"));
    CHECK(Done(q) == "2 CANCELLED: gone | 3 OK");
    CHECK(q.closed());
    CHECK(Drain(q, 4) == "float[]{1}");
  }

  // -- Troupe: max_waiting
  // ------------------------------------------------------------------

  TEST_CASE(
      "a queue refuses more than max_waiting waiting operations and stays "
      "unchanged") {
    QueueCore q("q", Fifo(1, {DT_FLOAT}), 2);
    q.Enqueue(1, F(1), kNever);
    q.Enqueue(2, F(2), kNever);
    q.Enqueue(3, F(3), kNever);
    CHECK(Done(q) == "1 OK");
    q.Enqueue(4, F(4), kNever);
    CHECK(Done(q) ==
          "4 RESOURCE_EXHAUSTED: Too many operations waiting on FIFOQueue 'q' "
          "(limit 2); retry "
          "later");
    CHECK(q.waiting_enqueues() == 2);
    CHECK(q.size() == 1);
    // At the limit, an operation that can be served now is still served.
    q.Dequeue(5, kNever);
    CHECK(Done(q) == "5 OK float[]{1} | 2 OK");
    q.Close(6, true, kNever);
    CHECK(Done(q) == "3 CANCELLED: Enqueue operation was cancelled | 6 OK");
    CHECK(Drain(q, 7) == "float[]{2}");

    QueueCore d("d", Fifo(4, {DT_FLOAT}, {{}}), 2);
    d.Dequeue(1, kNever);
    d.DequeueMany(2, 2, kNever);
    d.Dequeue(3, kNever);
    CHECK(Show(TakeOne(d)).rfind("3 RESOURCE_EXHAUSTED: ", 0) == 0);
    CHECK(d.waiting_dequeues() == 2);
    d.EnqueueMany(4, Fs({1, 2, 3}), kNever);
    CHECK(Done(d) == "4 OK | 1 OK float[]{1} | 2 OK float[2]{2,3}");
  }

  TEST_CASE(
      "with max_waiting 0 nothing waits and a refused operation changes "
      "nothing") {
    QueueCore q("q", Fifo(2, {DT_FLOAT}, {{}}), 0);
    q.Enqueue(1, F(1), kNever);
    CHECK(Done(q) == "1 OK");
    // A dequeue_many that would take the one element and wait.
    q.DequeueMany(2, 2, kNever);
    CHECK(CodeOf(TakeOne(q).status) == "RESOURCE_EXHAUSTED");
    CHECK(q.size() == 1);
    // An enqueue_many that would insert one element and wait for space.
    q.EnqueueMany(3, Fs({2, 3}), kNever);
    CHECK(CodeOf(TakeOne(q).status) == "RESOURCE_EXHAUSTED");
    CHECK(q.size() == 1);
    CHECK(q.waiting_enqueues() == 0);
    // What fits is served.
    q.EnqueueMany(4, Fs({2}), kNever);
    CHECK(Done(q) == "4 OK");
    CHECK(Drain(q, 5) == "float[]{1} float[]{2}");
  }

  // -- Troupe: CancelAll
  // ------------------------------------------------------------------

  TEST_CASE(
      "CancelAll cancels every waiting operation with TensorFlow's text and "
      "the reason") {
    QueueCore q("q", Fifo(0, {DT_FLOAT}), kManyWaiting);
    q.Enqueue(1, F(1), kNever);
    q.Close(2, false, kNever);
    q.Dequeue(3, kNever);
    CHECK(Done(q).empty());
    q.CancelAll("container 'c' was reset");
    CHECK(Done(q) ==
          "1 CANCELLED: Enqueue operation was cancelled: container 'c' was "
          "reset | 2 CANCELLED: "
          "Enqueue operation was cancelled: container 'c' was reset | 3 "
          "CANCELLED: Dequeue "
          "operation was cancelled: container 'c' was reset");
    CHECK(q.waiting_enqueues() == 0);
    CHECK(q.waiting_dequeues() == 0);

    // A partial batch goes back to the queue.
    QueueCore r("r", Fifo(4, {DT_FLOAT}, {{}}), kManyWaiting);
    r.DequeueMany(1, 3, kNever);
    r.DequeueMany(2, 1, kNever);
    r.EnqueueMany(3, Fs({1, 2}), kNever);
    CHECK(Done(r) == "3 OK");
    r.CancelAll("the queue was stopped");
    CHECK(Done(r) ==
          "1 CANCELLED: Dequeue operation was cancelled: the queue was stopped "
          "| 2 CANCELLED: "
          "Dequeue operation was cancelled: the queue was stopped");
    CHECK(r.size() == 2);
  }

  // -- whole batches ----------------------------------------------------------

  TEST_CASE(
      "a dequeue_many within one enqueued batch shares the batch's bytes") {
    QueueCore q("q", Fifo(10, {DT_FLOAT, DT_STRING}, {{2}, {}}), kManyWaiting);
    Tensor values = Tensor::FromVector<float>({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    Tensor words = Tensor::FromStrings({4}, {"a", "b", "c", "d"});
    q.EnqueueMany(1, {values, words}, kNever);
    q.Dequeue(2, kNever);
    q.DequeueMany(3, 2, kNever);
    q.DequeueUpTo(4, 1, kNever);
    std::vector<Completion> done = q.TakeCompletions();
    REQUIRE(done.size() == 4);
    CHECK(Show(done[1].value) == "float[2]{1,2} string[]{a}");
    CHECK(done[1].value[0].data() == values.data());
    CHECK(Show(done[2].value) == "float[2,2]{3,4,5,6} string[2]{b,c}");
    CHECK(done[2].value[0].data() == values.data() + 2 * sizeof(float));
    CHECK(done[2].value[1].strings()[0].data() == words.strings()[1].data());
    CHECK(Show(done[3].value) == "float[1,2]{7,8} string[1]{d}");
    CHECK(done[3].value[0].data() == values.data() + 6 * sizeof(float));
  }

  TEST_CASE("a dequeue_many of a whole enqueued batch returns it unchanged") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    Tuple batch = Fs({1, 2, 3});
    q.EnqueueMany(1, batch, kNever);
    q.DequeueMany(2, 3, kNever);
    std::vector<Completion> done = q.TakeCompletions();
    REQUIRE(done.size() == 2);
    CHECK(done[1].value[0].data() == batch[0].data());
    CHECK(done[1].value[0].shape() == Shape{3});
  }

  TEST_CASE(
      "a dequeue_many spanning batches and elements joins them in order") {
    QueueCore q("q", Fifo(10, {DT_INT32, DT_STRING}, {{2}, {}}), kManyWaiting);
    q.EnqueueMany(1,
                  {Tensor::FromVector<int32_t>({2, 2}, {1, 2, 3, 4}),
                   Tensor::FromStrings({2}, {"a", "b"})},
                  kNever);
    q.Enqueue(2,
              {Tensor::FromVector<int32_t>({2}, {5, 6}),
               Tensor::Scalar<std::string>("c")},
              kNever);
    q.EnqueueMany(3,
                  {Tensor::FromVector<int32_t>({2, 2}, {7, 8, 9, 10}),
                   Tensor::FromStrings({2}, {"d", "e"})},
                  kNever);
    q.Dequeue(4, kNever);
    q.DequeueMany(5, 3, kNever);
    q.DequeueMany(6, 1, kNever);
    CHECK(Done(q) ==
          "1 OK | 2 OK | 3 OK | 4 OK int32[2]{1,2} string[]{a} | "
          "5 OK int32[3,2]{3,4,5,6,7,8} string[3]{b,c,d} | "
          "6 OK int32[1,2]{9,10} string[1]{e}");
    CHECK(q.size() == 0);
  }

  TEST_CASE("a partial dequeue_many spanning batches goes back in order") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueMany(1, Fs({1, 2, 3}), kNever);
    q.Dequeue(2, kNever);
    q.Enqueue(3, F(4), kNever);
    q.EnqueueMany(4, Fs({5, 6}), kNever);
    CHECK(Done(q) == "1 OK | 2 OK float[]{1} | 3 OK | 4 OK");
    // Takes 2, 3 (rest of a batch), 4 (an element) and 5, 6 (a whole batch).
    q.DequeueMany(5, 7, Clock::now() + std::chrono::hours(1));
    CHECK(q.size() == 0);
    q.ExpireUntil(Clock::time_point::max());
    CHECK(CodeOf(TakeOne(q).status) == "DEADLINE_EXCEEDED");
    CHECK(q.size() == 5);
    q.DequeueMany(6, 2, kNever);
    CHECK(Done(q) == "6 OK float[2]{2,3}");
    CHECK(Drain(q, 7) == "float[]{4} float[]{5} float[]{6}");
  }

  TEST_CASE("an enqueue_many inserts what fits and the rest later, in order") {
    QueueCore q("q", Fifo(3, {DT_FLOAT}, {{}}), kManyWaiting);
    q.Enqueue(1, F(1), kNever);
    q.EnqueueMany(2, Fs({2, 3, 4, 5, 6}), kNever);
    CHECK(Done(q) == "1 OK");
    CHECK(q.size() == 3);
    q.DequeueMany(3, 2, kNever);
    CHECK(Done(q) == "3 OK float[2]{1,2}");
    CHECK(q.size() == 3);
    q.DequeueMany(4, 3, kNever);
    CHECK(Done(q) == "4 OK float[3]{3,4,5} | 2 OK");
    CHECK(Drain(q, 5) == "float[]{6}");
  }

  // -- element stores ---------------------------------------------------------

  TEST_CASE("FifoStore hands out rows of a batch without copying them") {
    FifoStore store;
    Tensor values = Tensor::FromVector<float>({5}, {1, 2, 3, 4, 5});
    store.Push(Chunk::OfBatch({values}));
    store.Push(Chunk::OfElement(F(6)));
    CHECK(store.size() == 6);
    Chunk first = store.Pop(2);
    CHECK(first.size() == 2);
    CHECK(first.Rows(0).data() == values.data());
    CHECK(Show(first.Rows(0)) == "float[2]{1,2}");
    Chunk rest = store.Pop(10);
    CHECK(rest.size() == 3);
    CHECK(rest.Rows(0).data() == values.data() + 2 * sizeof(float));
    Chunk single = store.Pop(10);
    CHECK(single.size() == 1);
    CHECK(Show(single.Rows(0)) == "float[1]{6}");
    CHECK(Show(std::move(single).ToElement()) == "float[]{6}");
    CHECK(store.size() == 0);
  }

  TEST_CASE("FifoStore restores chunks across batches at the front in order") {
    FifoStore store;
    store.Push(Chunk::OfBatch(Fs({1, 2, 3})));
    store.Push(Chunk::OfElement(F(4)));
    store.Push(Chunk::OfBatch(Fs({5, 6})));
    Chunks taken;
    taken.push_back(store.Pop(2));
    taken.push_back(store.Pop(2));
    taken.push_back(store.Pop(2));
    CHECK(taken[1].size() == 1);
    CHECK(store.size() == 2);
    store.Restore(std::move(taken));
    CHECK(store.size() == 6);
    std::vector<std::string> order;
    while (store.size() > 0)
      order.push_back(Show(std::move(store.Pop(1)).ToElement()));
    CHECK(absl::StrJoin(order, " ") ==
          "float[]{1} float[]{2} float[]{3} float[]{4} float[]{5} float[]{6}");
  }

  TEST_CASE("a chunk's lone row leaves as an element sharing the buffer") {
    Tensor values = Tensor::FromVector<int32_t>({3, 2}, {1, 2, 3, 4, 5, 6});
    Chunk chunk = Chunk::OfBatch({values});
    Chunk row = chunk.TakeFront(1);
    CHECK(row.single);
    CHECK(Show(row.tensors) == "int32[2]{1,2}");
    CHECK(row.tensors[0].data() == values.data());
    Chunk two = chunk.TakeFront(2);
    CHECK(chunk.size() == 0);
    CHECK(Show(two.Rows(0)) == "int32[2,2]{3,4,5,6}");
    CHECK(Show(two.Element(1)) == "int32[2]{5,6}");
    CHECK(two.RowShape(0) == Shape{2});
  }

  TEST_CASE("shuffle and priority stores keep single elements of a batch") {
    ShuffleStore shuffle(0, 1, 2);
    shuffle.Push(Chunk::OfBatch(Fs({1, 2, 3})));
    CHECK(shuffle.size() == 3);
    CHECK(shuffle.Pop(3).size() == 1);
    CHECK(shuffle.size() == 2);
    PriorityStore priority;
    priority.Push(Chunk::OfBatch({Tensor::FromVector<int64_t>({3}, {3, 1, 2}),
                                  Tensor::FromStrings({3}, {"c", "a", "b"})}));
    priority.Push(Chunk::OfElement(
        {Tensor::Scalar<int64_t>(0), Tensor::Scalar<std::string>("z")}));
    Chunks taken;
    taken.push_back(priority.Pop(4));
    taken.push_back(priority.Pop(4));
    CHECK(Show(std::move(taken[1]).ToElement()) == "int64[]{1} string[]{a}");
    Chunks back;
    back.push_back(Chunk::OfElement(
        {Tensor::Scalar<int64_t>(1), Tensor::Scalar<std::string>("a")}));
    priority.Restore(std::move(back));
    std::vector<std::string> order;
    while (priority.size() > 0)
      order.push_back(Show(std::move(priority.Pop(1)).ToElement()));
    CHECK(absl::StrJoin(order, " | ") ==
          "int64[]{1} string[]{a} | int64[]{2} string[]{b} | "
          "int64[]{3} string[]{c}");
  }
}

}  // namespace
}  // namespace troupe
