// QueueCore's two operations for coalesced singles, driven directly:
// EnqueueEach (many single enqueues as one operation) and DequeueSome (up to
// n single dequeues served at once). Deterministic: no actors, no threads.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "doctest/doctest.h"

#include "actors/queue_core.h"
#include "tests/actors/queue_core_harness.h"

namespace troupe {
namespace {

using namespace queue_harness;  // NOLINT: the harness is this file's
                                // vocabulary.

std::vector<Tuple> Singles(std::vector<float> values) {
  std::vector<Tuple> singles;
  for (float value : values) singles.push_back(F(value));
  return singles;
}

// "float[]{1} float[]{2}": the elements of a DequeueSome.
std::string ShowElements(const Completion& done) {
  return absl::StrJoin(done.elements, " ",
                       [](std::string* out, const Tuple& element) {
                         out->append(Show(element));
                       });
}

TEST_SUITE("actors") {
  TEST_CASE("enqueue_each inserts the elements in order as one operation") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueEach(1, Singles({1, 2, 3}), kNever);
    Completion done = TakeOne(q);
    CHECK(done.status.ok());
    CHECK(done.enqueued == 3);
    CHECK(Drain(q, 2) == "float[]{1} float[]{2} float[]{3}");
  }

  TEST_CASE("enqueue_each goes in as room frees up and counts what went in") {
    QueueCore q("q", Fifo(2, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueEach(1, Singles({1, 2, 3}), kNever);
    CHECK(q.TakeCompletions().empty());
    CHECK(q.size() == 2);
    CHECK(q.waiting_enqueues() == 1);
    q.Dequeue(2, kNever);
    CHECK(Done(q) == "2 OK float[]{1} | 1 OK");
    CHECK(Drain(q, 3) == "float[]{2} float[]{3}");

    // Cancelled part way: the count says which elements stay in the queue.
    q.EnqueueEach(10, Singles({4, 5, 6}), kNever);
    q.Close(11, /*cancel_pending_enqueues=*/true, kNever);
    std::vector<Completion> completions = q.TakeCompletions();
    REQUIRE(completions.size() == 2);
    CHECK(CodeOf(completions[0].status) == "CANCELLED");
    CHECK(completions[0].enqueued == 2);
    CHECK(Drain(q, 12) == "float[]{4} float[]{5}");
  }

  TEST_CASE(
      "enqueue_each of an invalid element or of two shapes changes nothing") {
    // One element of the wrong type.
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    std::vector<Tuple> mixed = Singles({1, 2});
    mixed.push_back({Tensor::Scalar<int32_t>(3)});
    q.EnqueueEach(1, mixed, kNever);
    CHECK(Done(q) ==
          "1 INVALID_ARGUMENT: Type mismatch in tuple component 0. Expected "
          "float, got int32 (FIFOQueue 'q')");
    CHECK(q.size() == 0);

    // Shapes that differ, in a queue without shapes.
    QueueCore shapeless("q", Fifo(10, {DT_FLOAT}), kManyWaiting);
    shapeless.EnqueueEach(2, {F(1), Fs({2, 3})}, kNever);
    Completion done = TakeOne(shapeless);
    CHECK(CodeOf(done.status) == "INVALID_ARGUMENT");
    CHECK(done.enqueued == 0);
    CHECK(shapeless.size() == 0);

    // Nothing to enqueue.
    q.EnqueueEach(3, {}, kNever);
    CHECK(Done(q) == "3 OK");
  }

  TEST_CASE("enqueue_each on a closed queue fails as an enqueue does") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.Close(1, false, kNever);
    q.EnqueueEach(2, Singles({1, 2}), kNever);
    CHECK(Done(q) == "1 OK | 2 CANCELLED: FIFOQueue 'q' is closed.");
  }

  TEST_CASE("dequeue_some takes what there is, up to its maximum") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.EnqueueMany(1, Fs({1, 2, 3}), kNever);
    q.Enqueue(2, F(4), kNever);
    CHECK(Done(q) == "1 OK | 2 OK");
    q.DequeueSome(3, 2, kNever);
    Completion done = TakeOne(q);
    CHECK(done.status.ok());
    CHECK(ShowElements(done) == "float[]{1} float[]{2}");
    q.DequeueSome(4, 5, kNever);
    CHECK(ShowElements(TakeOne(q)) == "float[]{3} float[]{4}");

    // Empty: it waits, and the first element serves it.
    q.DequeueSome(5, 5, kNever);
    CHECK(q.TakeCompletions().empty());
    CHECK(q.waiting_dequeues() == 1);
    q.Enqueue(6, F(5), kNever);
    std::vector<Completion> completions = q.TakeCompletions();
    REQUIRE(completions.size() == 2);
    CHECK(ShowElements(completions[1]) == "float[]{5}");
  }

  TEST_CASE("dequeue_some on a closed queue fails as a dequeue does") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {{}}), kManyWaiting);
    q.DequeueSome(1, 3, kNever);
    q.Close(2, false, kNever);
    CHECK(Done(q) ==
          "2 OK | 1 OUT_OF_RANGE: FIFOQueue 'q' is closed and has "
          "insufficient elements (requested 1, current size 0)");
    q.DequeueSome(3, 0, kNever);
    CHECK(Done(q) ==
          "3 INVALID_ARGUMENT: DequeueSome requested 0 < 1 elements");
  }

  TEST_CASE("dequeue_some leaves min_after_dequeue in an open shuffle queue") {
    QueueSpec spec = Fifo(10, {DT_FLOAT}, {{}});
    spec.kind = QueueKind::kRandomShuffle;
    spec.min_after_dequeue = 2;
    spec.seed = 1;
    spec.seed2 = 2;
    QueueCore q("q", spec, kManyWaiting);
    q.EnqueueEach(1, Singles({1, 2, 3}), kNever);
    CHECK(Done(q) == "1 OK");
    q.DequeueSome(2, 3, kNever);
    CHECK(TakeOne(q).elements.size() == 1);
    q.DequeueSome(3, 3, kNever);
    CHECK(q.TakeCompletions().empty());
    q.Close(4, false, kNever);
    std::vector<Completion> completions = q.TakeCompletions();
    REQUIRE(completions.size() == 2);
    CHECK(completions[1].elements.size() == 2);
  }
}

}  // namespace
}  // namespace troupe
