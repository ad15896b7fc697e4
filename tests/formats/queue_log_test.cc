#include "formats/queue_log.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "doctest/doctest.h"

namespace troupe {
namespace {

constexpr uint64_t kPlenty = uint64_t{1} << 30;

QueueSpec DurableSpec() {
  QueueSpec spec;
  spec.capacity = 10;
  spec.dtypes = {DType::kInt32, DType::kString};
  spec.durability = Durability::kAlways;
  return spec;
}

Tuple Element(int32_t number, std::string text) {
  return {Tensor::Scalar<int32_t>(number), Tensor::Scalar<std::string>(text)};
}

Tuple Batch(std::vector<int32_t> numbers, std::vector<std::string> texts) {
  const auto rows = static_cast<int64_t>(numbers.size());
  return {Tensor::FromVector<int32_t>({rows}, numbers),
          Tensor::FromVector<std::string>({rows}, texts)};
}

int32_t NumberOf(const Tuple& element) { return element[0].flat<int32_t>()[0]; }

// A log: header, 1 then a batch of 2, 3, 4; the first two removed; closed.
std::string SampleLog() {
  std::string log;
  AppendQueueLogRecord(QueueLogRecord::Header("c", "q", DurableSpec()), log);
  AppendQueueLogRecord(QueueLogRecord::Insert(0, true, Element(1, "one")), log);
  AppendQueueLogRecord(
      QueueLogRecord::Insert(1, false, Batch({2, 3, 4}, {"two", "", "four"})),
      log);
  AppendQueueLogRecord(QueueLogRecord::Remove(0, 2), log);
  AppendQueueLogRecord(QueueLogRecord::Close(), log);
  return log;
}

TEST_CASE(
    "queue log: a replay gives the elements left, in order, and the "
    "closed state") {
  const std::string log = SampleLog();
  auto replayed = ReplayQueueLog(log, "q.log", kPlenty);
  REQUIRE(replayed.ok());
  CHECK(replayed->container == "c");
  CHECK(replayed->name == "q");
  CHECK(replayed->spec.dtypes == DurableSpec().dtypes);
  CHECK(replayed->spec.durability == Durability::kAlways);
  CHECK(replayed->closed);
  CHECK_FALSE(replayed->torn_tail);
  CHECK(replayed->valid_bytes == log.size());
  REQUIRE(replayed->elements.size() == 2);
  CHECK(NumberOf(replayed->elements[0]) == 3);
  CHECK(replayed->elements[0][1].strings()[0] == "");
  CHECK(NumberOf(replayed->elements[1]) == 4);
  CHECK(replayed->elements[1][1].strings()[0] == "four");
}

TEST_CASE(
    "queue log: a removal of elements never inserted (their insert was "
    "not answered) changes nothing") {
  std::string log;
  AppendQueueLogRecord(QueueLogRecord::Header("", "q", DurableSpec()), log);
  AppendQueueLogRecord(QueueLogRecord::Insert(5, true, Element(5, "e")), log);
  AppendQueueLogRecord(QueueLogRecord::Remove(0, 5), log);
  auto replayed = ReplayQueueLog(log, "q.log", kPlenty);
  REQUIRE(replayed.ok());
  REQUIRE(replayed->elements.size() == 1);
  CHECK(NumberOf(replayed->elements[0]) == 5);
}

TEST_CASE(
    "queue log: a last record cut short anywhere is left out, with or "
    "without zeros after it, and zeros after the last record are free "
    "space") {
  const std::string log = SampleLog();
  const size_t close_start = log.size() - [] {
    std::string close;
    AppendQueueLogRecord(QueueLogRecord::Close(), close);
    return close.size();
  }();
  // The writer allocates ahead: a torn write is followed by zeros.
  for (const size_t zeros : {size_t{0}, size_t{100}}) {
    for (size_t cut = close_start + 1; cut < log.size(); ++cut) {
      CAPTURE(zeros);
      CAPTURE(cut);
      // A record that ends in zeros (the close's segment count) is whole
      // again when only those were cut and zeros follow.
      if (zeros > 0 && log.find_first_not_of('\0', cut) == std::string::npos)
        continue;
      auto replayed = ReplayQueueLog(
          log.substr(0, cut) + std::string(zeros, '\0'), "q.log", kPlenty);
      REQUIRE(replayed.ok());
      CHECK(replayed->torn_tail);
      CHECK(replayed->valid_bytes == close_start);
      CHECK_FALSE(replayed->closed);
      CHECK(replayed->elements.size() == 2);
    }
  }
  for (const size_t zeros : {size_t{1}, size_t{15}, size_t{100}}) {
    CAPTURE(zeros);
    auto zeroed =
        ReplayQueueLog(log + std::string(zeros, '\0'), "q.log", kPlenty);
    REQUIRE(zeroed.ok());
    CHECK_FALSE(zeroed->torn_tail);
    CHECK(zeroed->closed);
    CHECK(zeroed->valid_bytes == log.size());
  }
}

TEST_CASE(
    "queue log: a damaged record with a record after it is DATA_LOSS, "
    "also when zeros lie between them") {
  const std::string log = SampleLog();
  std::string header;
  AppendQueueLogRecord(QueueLogRecord::Header("c", "q", DurableSpec()), header);
  std::string close;
  AppendQueueLogRecord(QueueLogRecord::Close(), close);
  // The header's payload damaged, zeros, then a whole record.
  std::string damaged = header;
  damaged[header.size() - 1] = static_cast<char>(damaged.back() ^ 1);
  damaged += std::string(64, '\0') + close;
  auto replayed = ReplayQueueLog(damaged, "q.log", kPlenty);
  CHECK(replayed.status().message() == "corrupted record at 0 in q.log");
  // A record's length damaged, then zeros and a whole record.
  std::string length = log.substr(0, header.size()) + close;
  length[header.size()] = static_cast<char>(length[header.size()] ^ 1);
  length += std::string(64, '\0') + close;
  replayed = ReplayQueueLog(length, "q.log", kPlenty);
  CHECK(
      replayed.status().message() ==
      absl::StrCat("corrupted record length at ", header.size(), " in q.log"));
}

TEST_CASE(
    "queue log: a flipped byte before the last record is DATA_LOSS "
    "naming the file and the record's offset") {
  const std::string log = SampleLog();
  // Every byte of the header record.
  std::string header;
  AppendQueueLogRecord(QueueLogRecord::Header("c", "q", DurableSpec()), header);
  for (size_t i = 0; i < header.size(); ++i) {
    std::string damaged = log;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x40);
    auto replayed = ReplayQueueLog(damaged, "dir/q.log", kPlenty);
    REQUIRE_FALSE(replayed.ok());
    CHECK(absl::IsDataLoss(replayed.status()));
    CHECK(absl::StrContains(replayed.status().message(), " at 0 in dir/q.log"));
  }
}

TEST_CASE("queue log: a log without its header, or with two, is DATA_LOSS") {
  std::string headless;
  AppendQueueLogRecord(QueueLogRecord::Insert(0, true, Element(1, "one")),
                       headless);
  auto replayed = ReplayQueueLog(headless, "q.log", kPlenty);
  REQUIRE_FALSE(replayed.ok());
  CHECK(replayed.status().message() == "no header at 0 in q.log");

  std::string twice;
  AppendQueueLogRecord(QueueLogRecord::Header("", "q", DurableSpec()), twice);
  const size_t second = twice.size();
  AppendQueueLogRecord(QueueLogRecord::Header("", "q", DurableSpec()), twice);
  AppendQueueLogRecord(QueueLogRecord::Close(), twice);
  replayed = ReplayQueueLog(twice, "q.log", kPlenty);
  REQUIRE_FALSE(replayed.ok());
  CHECK(replayed.status().message() ==
        absl::StrCat("a second header at ", second, " in q.log"));

  CHECK(absl::IsDataLoss(ReplayQueueLog("", "q.log", kPlenty).status()));
}

TEST_CASE(
    "queue log: an insert that does not fit the queue's components is "
    "DATA_LOSS, and too many elements RESOURCE_EXHAUSTED") {
  std::string log;
  AppendQueueLogRecord(QueueLogRecord::Header("", "q", DurableSpec()), log);
  std::string wrong = log;
  AppendQueueLogRecord(
      QueueLogRecord::Insert(0, true, {Tensor::Scalar<int32_t>(1)}), wrong);
  auto replayed = ReplayQueueLog(wrong, "q.log", kPlenty);
  REQUIRE_FALSE(replayed.ok());
  CHECK(absl::IsDataLoss(replayed.status()));

  std::string many = log;
  AppendQueueLogRecord(
      QueueLogRecord::Insert(0, false,
                             Batch(std::vector<int32_t>(100, 7),
                                   std::vector<std::string>(100, "x"))),
      many);
  CHECK(ReplayQueueLog(many, "q.log", kPlenty).ok());
  CHECK(absl::IsResourceExhausted(
      ReplayQueueLog(many, "q.log", /*max_bytes=*/1000).status()));
}

}  // namespace
}  // namespace troupe
