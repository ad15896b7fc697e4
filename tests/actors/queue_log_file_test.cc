// QueueLogFile: a durable queue's appends, read back as a replay reads them,
// into space allocated ahead, and its errors.
#include "actors/queue_log_file.h"

#include <sys/stat.h>

#include <string>

#include "doctest/doctest.h"

#include "formats/queue_log.h"
#include "support/temp_dir.h"

namespace troupe {
namespace {

QueueSpec Ints() {
  QueueSpec spec;
  spec.dtypes = {DT_INT32};
  spec.shapes = {PartialShape{}};
  spec.durability = Durability::kAlways;
  return spec;
}

QueueLogRecord Insert(uint64_t sequence, int32_t value) {
  return QueueLogRecord::Insert(sequence, true,
                                {Tensor::Scalar<int32_t>(value)});
}

TEST_SUITE("actors") {
  TEST_CASE(
      "a queue log file appends records after the last one, into space "
      "allocated ahead (by posix_fallocate, or by writing zeros), and a "
      "replay reads them back") {
    for (const bool write_zeros : {false, true}) {
      CAPTURE(write_zeros);
      support::TempDir dir;
      const std::string header =
          EncodeQueueLogRecords({QueueLogRecord::Header("c", "q", Ints())});
      const std::string path = dir.Write("q.log", header);
      QueueLogFile file(write_zeros);
      REQUIRE(file.Open(path, header.size()).ok());
      const std::string first = EncodeQueueLogRecords({Insert(0, 7)});
      const std::string second = EncodeQueueLogRecords({Insert(1, 8)});
      REQUIRE(file.Append(first).ok());
      REQUIRE(file.Append(second).ok());
      CHECK(file.bytes() == header.size() + first.size() + second.size());
      struct stat status {};
      REQUIRE(stat(path.c_str(), &status) == 0);
      CHECK(static_cast<uint64_t>(status.st_size) >= uint64_t{64} << 10);
      const std::string bytes = dir.Read("q.log");
      CHECK(bytes.find_first_not_of('\0', file.bytes()) == std::string::npos);

      auto replayed = ReplayQueueLog(bytes, path, 1 << 20);
      REQUIRE(replayed.ok());
      CHECK(replayed->valid_bytes == file.bytes());
      CHECK_FALSE(replayed->torn_tail);
      REQUIRE(replayed->elements.size() == 2);
      CHECK(replayed->elements[1][0].flat<int32_t>()[0] == 8);
    }
  }

  TEST_CASE("a queue log file that is not open refuses appends") {
    QueueLogFile file;
    CHECK(file.Append("x").code() == absl::StatusCode::kFailedPrecondition);
    support::TempDir dir;
    absl::Status opened = file.Open(dir.path() + "/missing.log", 0);
    CHECK(opened.code() == absl::StatusCode::kInternal);
    CHECK(file.Append("x").code() == absl::StatusCode::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace troupe
