// The reader actor behind a real task actor in an in-process actor system:
// TensorFlow's IdentityReader epoch, read_up_to sizes across files, reads
// served in arrival order while they wait for filenames, a long read_up_to
// over several turns, and a reset that cancels a waiting read. Every wait is
// bounded (kBound).
#include "actors/reader_actor.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "doctest/doctest.h"

#include "actors/task_actor.h"
#include "serialization/status_error.h"
#include "tests/actors/test_actor_system.h"

namespace troupe {
namespace {

const char kDevice[] = "/job:ps/task:0";

// A fresh directory under the system's temporary one, removed at the end.
class TempDataDir {
 public:
  TempDataDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "reader_test.XXXXXX")
            .string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDataDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path_ + "/" + name, std::ios::binary) << bytes;
  }

 private:
  std::string path_;
};

TaskActorOptions TaskOptions(const TempDataDir& dir) {
  TaskActorOptions options;
  options.device = kDevice;
  options.cluster_devices = {kDevice};
  options.data_dir = *DataDir::Open(dir.path());
  return options;
}

// One actor system, one task actor with a data directory, a filename queue
// "files" and a reader "r" per test.
class ReaderFixture {
 public:
  explicit ReaderFixture(const std::string& type)
      : system(config),
        task(SpawnTaskActor(system, TaskOptions(dir))),
        self(system) {
    QueueSpec spec;
    spec.capacity = 100;
    spec.dtypes = {DT_STRING};
    spec.shapes = {PartialShape{}};
    self->request(task, kBound, queue_atom::value, std::string(kDevice),
                  std::string(), std::string("files"), spec)
        .receive([&](QueueActor& q, QueueSpec&, bool) { queue = q; },
                 [&](caf::error&) {});
    ReaderSpec reader_spec;
    reader_spec.type = type;
    self->request(task, kBound, reader_atom::value, std::string(kDevice),
                  std::string(), std::string("r"), reader_spec)
        .receive([&](ReaderActor& r, ReaderSpec&, bool) { reader = r; },
                 [&](caf::error&) {});
  }
  ~ReaderFixture() {
    caf::anon_send_exit(task, caf::exit_reason::user_shutdown);
  }

  void Enqueue(const std::string& work) {
    self->request(queue, kBound, enqueue_atom::value,
                  Tuple{Tensor::FromStrings({}, {work})}, kNoTimeout)
        .receive([](caf::ok_atom) {}, [](caf::error&) { FAIL("enqueue"); });
  }
  void Close() {
    self->request(queue, kBound, close_atom::value, false, kNoTimeout)
        .receive([](caf::ok_atom) {}, [](caf::error&) { FAIL("close"); });
  }
  absl::StatusOr<std::pair<std::string, std::string>> Read() {
    absl::StatusOr<std::pair<std::string, std::string>> result =
        absl::InternalError("no reply");
    self->request(reader, kBound, read_atom::value, std::string("files"),
                  kNoTimeout)
        .receive(
            [&](std::string& key, std::string& value) {
              result = std::make_pair(std::move(key), std::move(value));
            },
            [&](caf::error& error) { result = ToStatus(error); });
    return result;
  }
  absl::StatusOr<std::vector<std::string>> ReadUpTo(int64_t n) {
    absl::StatusOr<std::vector<std::string>> result =
        absl::InternalError("no reply");
    self->request(reader, kBound, read_up_to_atom::value, std::string("files"),
                  n, kNoTimeout)
        .receive([&](std::vector<std::string>& keys,
                     std::vector<std::string>&) { result = std::move(keys); },
                 [&](caf::error& error) { result = ToStatus(error); });
    return result;
  }
  // read_batch: (keys, values) as string tensors.
  absl::StatusOr<std::pair<Tensor, Tensor>> ReadBatch(int64_t n,
                                                      bool with_keys) {
    absl::StatusOr<std::pair<Tensor, Tensor>> result =
        absl::InternalError("no reply");
    self->request(reader, kBound, read_batch_atom::value, std::string("files"),
                  n, kNoTimeout, with_keys)
        .receive(
            [&](Tensor& keys, Tensor& values) {
              result = std::make_pair(std::move(keys), std::move(values));
            },
            [&](caf::error& error) { result = ToStatus(error); });
    return result;
  }
  // A read from a requester that is gone right after the reader has it.
  void ReadAndLeave() {
    caf::scoped_actor gone(system);
    gone->request(reader, kBound, read_atom::value, std::string("files"),
                  kNoTimeout);
    // The reader has the read: it answers this while the read waits.
    CHECK(WorkUnitsCompleted() == 0);
  }
  int64_t WorkUnitsCompleted() {
    int64_t completed = -1;
    self->request(reader, kBound, reader_stats_atom::value)
        .receive([&](int64_t, int64_t units, int64_t) { completed = units; },
                 [](caf::error&) {});
    return completed;
  }

  TempDataDir dir;
  TestConfig config;
  caf::actor_system system;
  TaskActor task;
  caf::scoped_actor self;
  QueueActor queue;
  ReaderActor reader;
};

TEST_CASE("IdentityReader reads one epoch, then OUT_OF_RANGE after close") {
  ReaderFixture f("identity");
  REQUIRE(f.reader);
  for (const char* work : {"A", "B", "C"}) f.Enqueue(work);
  f.Close();
  for (const char* work : {"A", "B", "C"}) {
    auto record = f.Read();
    REQUIRE(record.ok());
    CHECK(record->first == work);
    CHECK(record->second == work);
  }
  auto end = f.Read();
  CHECK(end.status().code() == absl::StatusCode::kOutOfRange);
  CHECK(f.WorkUnitsCompleted() == 3);
}

TEST_CASE("read_up_to returns records of one file: 7+7 records, n=3") {
  ReaderFixture f("text_line");
  REQUIRE(f.reader);
  std::string lines;
  for (int i = 0; i < 7; ++i) absl::StrAppend(&lines, "line", i, "\n");
  f.dir.Write("a.txt", lines);
  f.dir.Write("b.txt", lines);
  f.Enqueue("a.txt");
  f.Enqueue("b.txt");
  f.Close();
  std::vector<size_t> sizes;
  for (;;) {
    auto keys = f.ReadUpTo(3);
    if (!keys.ok()) {
      CHECK(keys.status().code() == absl::StatusCode::kOutOfRange);
      break;
    }
    sizes.push_back(keys->size());
    REQUIRE(sizes.size() < 10);
  }
  CHECK(sizes == std::vector<size_t>{3, 3, 1, 3, 3, 1});
  auto none = f.ReadUpTo(0);
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(f.ReadUpTo(-1).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a long read_up_to spans several turns and returns every record") {
  ReaderFixture f("text_line");
  REQUIRE(f.reader);
  std::string lines;
  for (int i = 0; i < 1000; ++i) absl::StrAppend(&lines, i, "\n");
  f.dir.Write("big.txt", lines);
  f.Enqueue("big.txt");
  auto keys = f.ReadUpTo(5000);
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 1000);
  CHECK(keys->front() == "big.txt:1");
  CHECK(keys->back() == "big.txt:1000");
}

TEST_CASE("read_batch packs a batch into string tensors, keys only if asked") {
  ReaderFixture f("text_line");
  REQUIRE(f.reader);
  f.dir.Write("a.txt", "1,2\n3,4\n5,6\n");
  f.Enqueue("a.txt");
  auto with_keys = f.ReadBatch(2, true);
  REQUIRE(with_keys.ok());
  const StringsView keys = with_keys->first.strings();
  const StringsView values = with_keys->second.strings();
  CHECK(with_keys->first.shape() == Shape{2});
  CHECK(std::vector<std::string>(keys.begin(), keys.end()) ==
        std::vector<std::string>{"a.txt:1", "a.txt:2"});
  CHECK(std::vector<std::string>(values.begin(), values.end()) ==
        std::vector<std::string>{"1,2", "3,4"});
  auto without = f.ReadBatch(5, false);
  REQUIRE(without.ok());
  CHECK(without->first.shape() == Shape{0});
  CHECK(without->second.shape() == Shape{1});
  CHECK(without->second.strings()[0] == "5,6");
  CHECK(f.ReadBatch(-1, false).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("reads waiting for filenames are answered in arrival order") {
  ReaderFixture f("identity");
  REQUIRE(f.reader);
  caf::scoped_actor first(f.system);
  caf::scoped_actor second(f.system);
  auto first_read = first->request(f.reader, kBound, read_atom::value,
                                   std::string("files"), kNoTimeout);
  auto second_read = second->request(f.reader, kBound, read_atom::value,
                                     std::string("files"), kNoTimeout);
  CHECK(f.WorkUnitsCompleted() == 0);  // Answered while both wait.
  f.Enqueue("one");
  f.Enqueue("two");
  std::string got_first;
  std::string got_second;
  std::move(first_read)
      .receive([&](std::string& key, std::string&) { got_first = key; },
               [](caf::error&) {});
  std::move(second_read)
      .receive([&](std::string& key, std::string&) { got_second = key; },
               [](caf::error&) {});
  CHECK(got_first == "one");
  CHECK(got_second == "two");
}

TEST_CASE(
    "a read whose requester is gone takes nothing: the next read gets the "
    "record") {
  ReaderFixture f("identity");
  REQUIRE(f.reader);
  f.ReadAndLeave();
  f.Enqueue("one");
  f.Enqueue("two");
  auto record = f.Read();
  REQUIRE(record.ok());
  CHECK(record->first == "one");
}

TEST_CASE(
    "a unit that fails to start after its read is gone fails the next read") {
  ReaderFixture f("text_line");
  REQUIRE(f.reader);
  f.ReadAndLeave();
  f.Enqueue("missing.txt");
  f.dir.Write("there.txt", "line\n");
  f.Enqueue("there.txt");
  CHECK(f.Read().status().code() == absl::StatusCode::kNotFound);
  auto record = f.Read();
  REQUIRE(record.ok());
  CHECK(record->second == "line");
}

TEST_CASE("resetting the container cancels a read waiting for a filename") {
  ReaderFixture f("identity");
  REQUIRE(f.reader);
  caf::scoped_actor waiter(f.system);
  auto read = waiter->request(f.reader, kBound, read_atom::value,
                              std::string("files"), kNoTimeout);
  CHECK(f.WorkUnitsCompleted() == 0);
  f.self
      ->request(f.task, kBound, reset_atom::value, std::string(kDevice),
                std::vector<std::string>{})
      .receive([](caf::ok_atom) {}, [](caf::error&) { FAIL("reset"); });
  absl::Status status = absl::InternalError("no reply");
  std::move(read).receive([&](std::string&, std::string&) { status = {}; },
                          [&](caf::error& error) { status = ToStatus(error); });
  CHECK(status.code() == absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace troupe
