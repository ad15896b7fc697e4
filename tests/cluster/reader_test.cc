// Process-level tests of readers (troupe::TextLineReader etc. and `troupe
// ctl reader-*`, `tfrecord-write`) on a task's data directory: TensorFlow's
// keys and counters, files that fail one read, a read waiting as a waiter,
// OUT_OF_RANGE after close, reset, and serialize/restore.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include "cluster/reader.h"

#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "support/read_file.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using nlohmann::json;
using testing::CtlFails;
using testing::CtlJson;
using testing::CtlLine;
using testing::LocalCluster;
using testing::WaitUntil;

const absl::Duration kLong = absl::Seconds(30);

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A filename queue `name` of scalar strings holding `files`.
void MakeFilenameQueue(const std::string& target, const std::string& name,
                       const std::vector<std::string>& files) {
  CtlLine(target, {"queue-create", name, "--capacity", "10", "--dtypes",
                   "string", "--shapes", "[[]]"});
  for (const std::string& file : files) {
    CtlLine(target, {"enqueue", name, json::array({file}).dump()});
  }
}

json Read(const std::string& target, const std::string& reader,
          const std::string& queue) {
  return CtlJson(target,
                 {"reader-read", reader, "--queue", queue, "--timeout", "10s"});
}

json Stats(const std::string& target, const std::string& reader) {
  return CtlJson(target, {"reader-stats", reader});
}

ReaderArgs Args(const std::string& shared_name) {
  ReaderArgs args;
  args.shared_name = shared_name;
  return args;
}

json KeyValue(const std::string& key, const std::string& value) {
  return json{{"key", key}, {"value", value}};
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: readers: TextLineReader over two files skips a header line, "
      "keys lines 1-based, and ends OUT_OF_RANGE after close") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    WriteFile(cluster.data_dir() + "/a.csv", "h\na1\r\na2\n");
    WriteFile(cluster.data_dir() + "/b.csv", "h\n\nb2");
    MakeFilenameQueue(target, "files", {"a.csv", "b.csv"});
    CtlLine(target, {"close", "files"});
    CHECK(CtlJson(target, {"reader-create", "r", "--type", "text_line",
                           "--skip-header-lines", "1"}) ==
          json{{"created", true}});
    CHECK(CtlJson(target, {"reader-create", "r", "--type", "text_line",
                           "--skip-header-lines", "1"}) ==
          json{{"created", false}});
    CtlFails(target, {"reader-create", "r", "--type", "tf_record"},
             "INVALID_ARGUMENT", "Shared reader 'r' has type text_line");
    CHECK(Read(target, "r", "files") == KeyValue("a.csv:2", "a1"));
    CHECK(Read(target, "r", "files") == KeyValue("a.csv:3", "a2"));
    // The end of a.csv is noticed by the read after its last line.
    CHECK(Stats(target, "r") == json{{"records_produced", 2},
                                     {"work_units_completed", 0},
                                     {"records_skipped", 0}});
    CHECK(Read(target, "r", "files") == KeyValue("b.csv:2", ""));
    CHECK(Read(target, "r", "files") == KeyValue("b.csv:3", "b2"));
    CtlFails(target, {"reader-read", "r", "--queue", "files"}, "OUT_OF_RANGE",
             "FIFOQueue 'files' is closed and has insufficient elements "
             "(requested 1, current size 0)");
    // The failing read completed the last unit first.
    CHECK(Stats(target, "r") == json{{"records_produced", 4},
                                     {"work_units_completed", 2},
                                     {"records_skipped", 0}});
    json listed = CtlJson(target, {"list"});
    bool found = false;
    for (const json& entry : listed) {
      if (entry["name"] == "r") {
        found = true;
        CHECK(entry["kind"] == "TextLineReader");
        CHECK(entry["records_produced"] == 4);
      }
    }
    CHECK(found);
    // Freed by reset.
    CtlLine(target, {"reset"});
    CtlFails(target, {"reader-stats", "r"}, "NOT_FOUND", "Reader 'r'");
  }

  TEST_CASE(
      "cluster: readers: TFRecords written by tfrecord-write read back, "
      "plain and gzip, with byte-offset keys and read_up_to within a file") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    const std::string records = R"(["abc", "defgh", {"b64": "/wA="}])";
    json written =
        CtlJson(target, {"tfrecord-write", "d/plain.tfrecord", records});
    CHECK(written["records"] == 3);
    CHECK(written["bytes"] == 19 + 21 + 18);
    CtlLine(target, {"tfrecord-write", "d/zipped.tfrecord.gz", records,
                     "--compression", "GZIP"});
    CtlFails(target, {"tfrecord-write", "../out.tfrecord", records},
             "PERMISSION_DENIED", "is outside the data directory");
    MakeFilenameQueue(target, "files",
                      {"d/plain.tfrecord", "d/zipped.tfrecord.gz"});
    CtlLine(target, {"close", "files"});

    CtlLine(target, {"reader-create", "plain", "--type", "tf_record"});
    CHECK(CtlJson(target,
                  {"reader-read-up-to", "plain", "2", "--queue", "files"}) ==
          json::parse(R"({"keys": ["d/plain.tfrecord:0", "d/plain.tfrecord:19"],
                          "values": ["abc", "defgh"]})"));
    // The rest of the file only: a batch never spans two units.
    CHECK(CtlJson(target,
                  {"reader-read-up-to", "plain", "5", "--queue", "files"}) ==
          json::parse(R"({"keys": ["d/plain.tfrecord:40"],
                          "values": [{"b64": "/wA="}]})"));

    Session session(target);
    ReaderArgs args = Args("zipped");
    args.compression = "GZIP";
    TFRecordReader zipped(session, args);
    QueueOptions options;
    options.capacity = 10;
    options.dtypes = {DT_STRING};
    options.shapes = {PartialShape{}};
    options.shared_name = "files";
    FIFOQueue files(session, options);
    auto batch = zipped.read_up_to(files, 5, kLong);
    REQUIRE(batch.ok());
    CHECK(batch->keys == std::vector<std::string>{"d/zipped.tfrecord.gz:0",
                                                  "d/zipped.tfrecord.gz:19",
                                                  "d/zipped.tfrecord.gz:40"});
    CHECK(batch->values ==
          std::vector<std::string>{"abc", "defgh", std::string("\xff\0", 2)});
    auto done = zipped.read(files, kLong);
    CHECK(done.status().code() == absl::StatusCode::kOutOfRange);
    CHECK(zipped.num_records_produced().value_or(-1) == 3);
    CHECK(zipped.num_work_units_completed().value_or(-1) == 1);
    CHECK(zipped.read_up_to(files, -1, kLong).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE(
      "cluster: readers: a corrupt TFRecord is DATA_LOSS naming the file, or "
      "is skipped and counted with --skip-corrupt") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target,
            {"tfrecord-write", "c.tfrecord", R"(["abc", "defgh", "i"])"});
    const std::string path = cluster.data_dir() + "/c.tfrecord";
    std::string bytes = support::ReadFile(path);
    REQUIRE(bytes.size() == 19 + 21 + 17);
    bytes[19 + 12] ^= 0x01;  // The first byte of "defgh".
    WriteFile(path, bytes);
    MakeFilenameQueue(target, "files", {"c.tfrecord", "c.tfrecord"});
    CtlLine(target, {"reader-create", "strict", "--type", "tf_record"});
    CHECK(Read(target, "strict", "files") == KeyValue("c.tfrecord:0", "abc"));
    for (int i = 0; i < 2; ++i) {
      CtlFails(target, {"reader-read", "strict", "--queue", "files"},
               "DATA_LOSS", "corrupted record at 31 in c.tfrecord");
    }
    CtlLine(target, {"reader-create", "lenient", "--type", "tf_record",
                     "--skip-corrupt"});
    CHECK(Read(target, "lenient", "files") == KeyValue("c.tfrecord:0", "abc"));
    CHECK(Read(target, "lenient", "files") == KeyValue("c.tfrecord:40", "i"));
    CHECK(Stats(target, "lenient")["records_skipped"] == 1);
  }

  TEST_CASE(
      "cluster: readers: a missing file and a path outside the data "
      "directory each fail one read, and the next file is read") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    WriteFile(cluster.data_dir() + "/ok.txt", "x\n");
    MakeFilenameQueue(
        target, "files",
        {"missing.txt", "../escape.txt", "/etc/passwd", "ok.txt"});
    CtlLine(target, {"reader-create", "r", "--type", "text_line"});
    CtlFails(target, {"reader-read", "r", "--queue", "files"}, "NOT_FOUND",
             "missing.txt; No such file or directory");
    CtlFails(target, {"reader-read", "r", "--queue", "files"},
             "PERMISSION_DENIED",
             "../escape.txt is outside the data directory");
    CtlFails(target, {"reader-read", "r", "--queue", "files"},
             "PERMISSION_DENIED", "/etc/passwd is outside the data directory");
    CHECK(Read(target, "r", "files") == KeyValue("ok.txt:1", "x"));
    CHECK(Stats(target, "r")["work_units_completed"] == 0);
  }

  TEST_CASE(
      "cluster: readers: a filename queue that cannot hold scalar strings is "
      "refused before anything is taken from it") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "ints", "--capacity", "2", "--dtypes",
                     "int32", "--shapes", "[[]]"});
    CtlLine(target, {"enqueue", "ints", "[7]"});
    CtlLine(target, {"queue-create", "pairs", "--capacity", "2", "--dtypes",
                     "string", "--shapes", "[[2]]"});
    CtlLine(target, {"enqueue", "pairs", R"([["a", "b"]])"});
    CtlLine(target, {"reader-create", "r"});
    CtlFails(target, {"reader-read", "r", "--queue", "ints"},
             "INVALID_ARGUMENT", "Expected queue with single string component");
    CtlFails(target, {"reader-read", "r", "--queue", "pairs"},
             "INVALID_ARGUMENT",
             "Expected to dequeue a one-element string tensor");
    CHECK(CtlLine(target, {"size", "ints"}) == "1");
    CHECK(CtlLine(target, {"size", "pairs"}) == "1");
    CtlFails(target, {"reader-read", "r", "--queue", "nothing"}, "NOT_FOUND",
             "Queue 'nothing'");
  }

  TEST_CASE(
      "cluster: readers: a read waits on an empty filename queue as a waiter "
      "while the reader answers reader-stats and reset, and is answered when "
      "a filename arrives") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    WriteFile(cluster.data_dir() + "/w.txt", "whole");
    MakeFilenameQueue(target, "files", {});
    Session session(target);
    WholeFileReader reader(session, Args("r"));
    REQUIRE(reader.num_records_produced().ok());
    auto waiting = std::async(std::launch::async,
                              [&] { return reader.read("files", kLong); });
    // The reader's dequeue waits on the queue.
    REQUIRE(WaitUntil([&] {
      for (const json& entry : CtlJson(target, {"list"})) {
        if (entry["name"] == "files") return entry["waiting_dequeues"] == 1;
      }
      return false;
    }));
    CHECK(Stats(target, "r") == json{{"records_produced", 0},
                                     {"work_units_completed", 0},
                                     {"records_skipped", 0}});
    CtlLine(target, {"reader-reset", "r"});
    CtlLine(target, {"enqueue", "files", R"(["w.txt"])"});
    auto record = waiting.get();
    REQUIRE(record.ok());
    CHECK(record->key == "w.txt");
    CHECK(record->value == "whole");
    // WholeFileReader finishes its unit in the same read.
    CHECK(Stats(target, "r") == json{{"records_produced", 1},
                                     {"work_units_completed", 1},
                                     {"records_skipped", 0}});
    // A read that finds no filename within its timeout fails and loses
    // nothing.
    CtlFails(target,
             {"reader-read", "r", "--queue", "files", "--timeout", "50ms"},
             "DEADLINE_EXCEEDED", "files");
    CtlLine(target, {"close", "files"});
    CHECK(reader.read("files", kLong).status().code() ==
          absl::StatusCode::kOutOfRange);
  }

  TEST_CASE(
      "cluster: readers: reset forgets the current file, serialize and "
      "restore bring back counters and position, and a failed restore changes "
      "nothing") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    WriteFile(cluster.data_dir() + "/n.txt", "1\n2\n3\n4\n");
    MakeFilenameQueue(target, "files", {"n.txt", "n.txt", "n.txt"});
    CtlLine(target, {"reader-create", "r", "--type", "text_line"});
    CHECK(Read(target, "r", "files") == KeyValue("n.txt:1", "1"));
    const std::string state =
        CtlJson(target, {"reader-serialize", "r"})["state"];
    CHECK(Read(target, "r", "files") == KeyValue("n.txt:2", "2"));
    CtlLine(target, {"reader-restore", "r", state});
    CHECK(Stats(target, "r")["records_produced"] == 1);
    CHECK(Read(target, "r", "files") == KeyValue("n.txt:2", "2"));
    // Bad bytes: INVALID_ARGUMENT, and the reader stays where it was.
    CtlFails(target, {"reader-restore", "r", "QUJDRA=="}, "INVALID_ARGUMENT",
             "Could not parse state for TextLineReader 'r'");
    CHECK(Read(target, "r", "files") == KeyValue("n.txt:3", "3"));
    CtlLine(target, {"reader-reset", "r"});
    CHECK(Stats(target, "r") == json{{"records_produced", 0},
                                     {"work_units_completed", 0},
                                     {"records_skipped", 0}});
    // The rest of the first file is not read: the next file starts.
    CHECK(Read(target, "r", "files") == KeyValue("n.txt:1", "1"));

    Session session(target);
    TextLineReader reader(session, Args("r"));
    auto bytes = reader.serialize_state();
    REQUIRE(bytes.ok());
    CHECK(reader.read("files", kLong)->value == "2");
    REQUIRE(reader.restore_state(*bytes).ok());
    CHECK(reader.read("files", kLong)->value == "2");
    CHECK(reader.num_records_produced().value_or(-1) == 2);
  }
}

}  // namespace
}  // namespace troupe
