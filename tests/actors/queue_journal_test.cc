// What QueueCore tells a durable queue's journal: the elements inserted with
// their numbers, the ranges a successful dequeue removed, the close; nothing
// for a batch given back by a dequeue that timed out.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "doctest/doctest.h"

#include "actors/queue_core.h"
#include "tests/actors/queue_core_harness.h"

namespace troupe {
namespace {

using namespace queue_harness;  // NOLINT: the harness is this file's
                                // vocabulary.

// Every call, as "insert 0+3", "remove 0+2", "close".
class RecordingJournal final : public QueueJournal {
 public:
  void Inserted(const Chunk& chunk) override {
    calls.push_back(absl::StrCat("insert ", chunk.sequence, "+", chunk.size()));
  }
  void Removed(uint64_t sequence, size_t count) override {
    calls.push_back(absl::StrCat("remove ", sequence, "+", count));
  }
  void Closed() override { calls.push_back("close"); }

  std::string Take() {
    std::string joined = absl::StrJoin(calls, " | ");
    calls.clear();
    return joined;
  }

  std::vector<std::string> calls;
};

TEST_SUITE("actors") {
  TEST_CASE(
      "journal: inserts are numbered in order, and dequeues remove "
      "the numbers they were answered with") {
    QueueCore q("q", Fifo(4, {DT_FLOAT}, {PartialShape{}}), kManyWaiting);
    RecordingJournal journal;
    q.set_journal(&journal);
    q.Enqueue(1, F(1), kNever);
    q.EnqueueMany(2, Fs({2, 3, 4, 5, 6}), kNever);  // 3 now, 2 once room frees
    CHECK(journal.Take() == "insert 0+1 | insert 1+3");
    q.DequeueMany(3, 2, kNever);
    CHECK(journal.Take() == "remove 0+1 | remove 1+1 | insert 4+2");
    q.Dequeue(4, kNever);
    CHECK(journal.Take() == "remove 2+1");
    q.Close(5, false, kNever);
    CHECK(journal.Take() == "close");
  }

  TEST_CASE(
      "journal: a batch given back by a dequeue that timed out leaves "
      "no record, and keeps its numbers") {
    QueueCore q("q", Fifo(10, {DT_FLOAT}, {PartialShape{}}), kManyWaiting);
    RecordingJournal journal;
    q.set_journal(&journal);
    q.EnqueueMany(1, Fs({1, 2}), kNever);
    CHECK(journal.Take() == "insert 0+2");
    CHECK(Done(q) == "1 OK");
    const auto soon = Clock::now() + std::chrono::seconds(1);
    q.DequeueMany(2, 5, soon);
    q.ExpireUntil(soon);
    CHECK(CodeOf(TakeOne(q).status) == "DEADLINE_EXCEEDED");
    CHECK(journal.Take().empty());
    q.DequeueMany(3, 2, kNever);
    CHECK(journal.Take() == "remove 0+2");
  }
}

}  // namespace
}  // namespace troupe
