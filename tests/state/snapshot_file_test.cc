#include "state/snapshot_file.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "doctest/doctest.h"

#include "support/temp_dir.h"

namespace troupe {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kPlenty = uint64_t{1} << 30;

// A temporary directory and the path of a file in it.
struct TempDir : support::TempDir {
  std::string File(const std::string& name) const {
    return path() + "/" + name;
  }
};

// A snapshot with every dtype, a scalar, an empty tensor, strings with every
// byte value, an uninitialized variable and a closed queue.
TaskSnapshot Sample() {
  TaskSnapshot snapshot;
  snapshot.device = "/job:ps/task:0";
  snapshot.time_unix_ms = 1765000000123;
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  auto add = [&snapshot](std::string container, std::string name, DType dtype,
                         Shape shape, Tuple value) {
    SavedVariable variable;
    variable.container = std::move(container);
    variable.name = std::move(name);
    variable.spec.dtype = dtype;
    variable.spec.shape = std::move(shape);
    variable.value = std::move(value);
    snapshot.variables.push_back(std::move(variable));
  };
  add("", "w", DT_FLOAT, {2}, {Tensor::FromVector<float>({2}, {1.5f, -2})});
  add("c", "step", DT_INT64, {}, {Tensor::Scalar<int64_t>(42)});
  add("c", "names", DT_STRING, {2},
      {Tensor::FromStrings({2}, {all_bytes, ""})});
  add("", "fresh", DT_DOUBLE, {3}, {});
  add("", "empty", DT_INT8, {0, 5}, {Tensor::FromBytes(DT_INT8, {0, 5}, {})});
  for (DType dtype : {DT_FLOAT, DT_DOUBLE, DT_INT8, DT_INT16, DT_INT32,
                      DT_INT64, DT_UINT8, DT_UINT16, DT_BOOL}) {
    add("all", DTypeName(dtype), dtype, {2, 2}, {Tensor::Zeros(dtype, {2, 2})});
  }
  SavedQueue queue;
  queue.name = "q";
  queue.spec.capacity = 10;
  queue.spec.dtypes = {DT_INT32, DT_STRING};
  queue.spec.shapes = {PartialShape{}, PartialShape{}};
  queue.closed = true;
  for (int i = 0; i < 3; ++i) {
    queue.elements.push_back(
        {Tensor::Scalar<int32_t>(i), Tensor::Scalar<std::string>(std::string(
                                         static_cast<size_t>(i), 'x'))});
  }
  snapshot.queues.push_back(queue);
  return snapshot;
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST_SUITE("state") {
  TEST_CASE("a snapshot file round-trips every dtype and shape") {
    TempDir dir;
    const TaskSnapshot sample = Sample();
    absl::StatusOr<uint64_t> written =
        WriteSnapshotFile(dir.File("s.data"), sample);
    REQUIRE(written.ok());
    CHECK(*written == fs::file_size(dir.File("s.data")));
    absl::StatusOr<TaskSnapshot> back =
        ReadSnapshotFile(dir.File("s.data"), "s.data", kPlenty);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(back->device == sample.device);
    CHECK(back->time_unix_ms == sample.time_unix_ms);
    REQUIRE(back->variables.size() == sample.variables.size());
    for (size_t i = 0; i < sample.variables.size(); ++i) {
      CAPTURE(sample.variables[i].name);
      CHECK(back->variables[i].container == sample.variables[i].container);
      CHECK(back->variables[i].name == sample.variables[i].name);
      CHECK(back->variables[i].spec == sample.variables[i].spec);
      CHECK(back->variables[i].value == sample.variables[i].value);
    }
    REQUIRE(back->queues.size() == 1);
    CHECK(back->queues[0].name == "q");
    CHECK(back->queues[0].closed);
    CHECK(back->queues[0].spec.dtypes == sample.queues[0].spec.dtypes);
    CHECK(back->queues[0].elements == sample.queues[0].elements);
    CHECK(back->tensors() == sample.tensors());
    // No temporary file is left behind.
    CHECK(std::distance(fs::directory_iterator(dir.path()),
                        fs::directory_iterator()) == 1);
  }

  TEST_CASE("every flipped byte and every truncation is DATA_LOSS") {
    TempDir dir;
    REQUIRE(WriteSnapshotFile(dir.File("s.data"), Sample()).ok());
    const std::string good = dir.Read("s.data");
    for (size_t at = 0; at < good.size(); ++at) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ 0x20);
      WriteAll(dir.File("bad"), bad);
      absl::StatusOr<TaskSnapshot> read =
          ReadSnapshotFile(dir.File("bad"), "data/bad", kPlenty);
      CAPTURE(at);
      REQUIRE_FALSE(read.ok());
      CHECK(absl::IsDataLoss(read.status()));
      CHECK(absl::StrContains(read.status().message(), " in data/bad"));
    }
    for (size_t length : {size_t{0}, size_t{7}, size_t{31}, size_t{40},
                          good.size() / 2, good.size() - 1}) {
      WriteAll(dir.File("short"), good.substr(0, length));
      absl::StatusOr<TaskSnapshot> read =
          ReadSnapshotFile(dir.File("short"), "short", kPlenty);
      CAPTURE(length);
      REQUIRE_FALSE(read.ok());
      CHECK(absl::IsDataLoss(read.status()));
    }
    WriteAll(dir.File("long"), good + "x");
    CHECK(absl::IsDataLoss(
        ReadSnapshotFile(dir.File("long"), "long", kPlenty).status()));
  }

  TEST_CASE("a flipped tensor byte names the tensor's offset") {
    TempDir dir;
    TaskSnapshot one;
    one.device = "/job:ps/task:0";
    SavedVariable v;
    v.name = "v";
    v.spec.dtype = DT_INT32;
    v.spec.shape = {4};
    v.value = {Tensor::FromVector<int32_t>({4}, {1, 2, 3, 4})};
    one.variables.push_back(v);
    REQUIRE(WriteSnapshotFile(dir.File("v.data"), one).ok());
    std::string bytes = dir.Read("v.data");
    const size_t tensor_at = bytes.size() - 16 - 12;
    bytes[bytes.size() - 1] ^= 1;
    WriteAll(dir.File("v.data"), bytes);
    absl::StatusOr<TaskSnapshot> read =
        ReadSnapshotFile(dir.File("v.data"), "ckpt/v.data", kPlenty);
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().message() == "corrupted tensor at " +
                                         std::to_string(tensor_at) +
                                         " in ckpt/v.data");
  }

  TEST_CASE("a missing shard is NOT_FOUND, and one past the limit is refused") {
    TempDir dir;
    absl::StatusOr<TaskSnapshot> missing =
        ReadSnapshotFile(dir.File("none"), "none", kPlenty);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.status().message() == "none; No such file or directory");
    REQUIRE(WriteSnapshotFile(dir.File("s.data"), Sample()).ok());
    CHECK(absl::IsResourceExhausted(
        ReadSnapshotFile(dir.File("s.data"), "s.data", 64).status()));
  }
}

}  // namespace
}  // namespace troupe
