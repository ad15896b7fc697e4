#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "doctest/doctest.h"

#include "formats/crc32c.h"
#include "formats/file_input_stream.h"
#include "formats/memory_input_stream.h"
#include "formats/open_record_source.h"
#include "formats/string_output_stream.h"
#include "formats/tfrecord_format.h"
#include "formats/tfrecord_writer.h"
#include "formats/zlib_output_stream.h"
#include "tests/formats/formats_test_util.h"

namespace troupe {
namespace {

using testing::Drain;
using testing::Keys;
using testing::Record;
using testing::TempDir;
using testing::Values;

ReaderOptions TFRecord(Compression compression = Compression::kNone) {
  ReaderOptions options;
  options.kind = ReaderKind::kTFRecord;
  options.compression = compression;
  return options;
}

std::string Framed(const std::vector<std::string>& records) {
  std::string bytes;
  for (const std::string& record : records) bytes += EncodeTFRecord(record);
  return bytes;
}

// The records read before the source ends or fails, and how it ended.
struct Outcome {
  std::vector<Record> records;
  absl::Status status;
};

Outcome ReadAll(RecordSource& source) {
  Outcome outcome;
  while (true) {
    auto next = testing::NextRecord(source);
    if (!next.ok()) {
      outcome.status = next.status();
      return outcome;
    }
    if (!next->has_value()) return outcome;
    outcome.records.push_back(std::move(**next));
  }
}

Outcome ReadBytes(const std::string& bytes,
                  const ReaderOptions& options = TFRecord()) {
  auto source = OpenRecordSource(options, "f.tfrecord", MemoryOpener(bytes));
  REQUIRE(source.ok());
  return ReadAll(**source);
}

// The values of the records in `bytes`, read through a stream that hands
// out at most `chunk` bytes per read.
std::vector<std::string> ValuesInChunks(const std::string& bytes,
                                        size_t chunk) {
  auto source =
      OpenRecordSource(TFRecord(), "f", testing::ChunkedOpener(bytes, chunk));
  REQUIRE(source.ok());
  auto records = Drain(**source);
  REQUIRE(records.ok());
  return Values(*records);
}

// TFRecordReaderTest._Record
std::string RecordText(int file, int record) {
  return absl::StrCat("Record ", record, " of file ", file);
}

const std::vector<std::string> kRecords = {"abc", "defgh", "", "the last one"};

// Offsets of kRecords' headers in Framed(kRecords), and the end.
std::vector<size_t> Starts() {
  std::vector<size_t> starts = {0};
  for (const std::string& record : kRecords)
    starts.push_back(starts.back() + 16 + record.size());
  return starts;
}

TEST_SUITE("formats") {
  TEST_CASE("TFRecord: the worked bytes of DATA_LOADING.md 2.3") {
    CHECK(absl::BytesToHexString(EncodeTFRecord("abc")) ==
          "0300000000000000b099490e6162636e57f121");
    CHECK(absl::BytesToHexString(EncodeTFRecord("defgh")) ==
          "0500000000000000eab2043e64656667688055627d");
    CHECK(absl::BytesToHexString(EncodeTFRecord("")) ==
          "000000000000000029039807d8ea82a2");
  }

  // TFRecordReaderTest.testOneEpoch, with TensorFlow's offsets as keys.
  TEST_CASE("TFRecord: one epoch of written files, keys <file>:<offset>") {
    TempDir dir;
    for (int i = 0; i < 2; ++i) {
      const std::string path = dir.path() + absl::StrCat("/tf_record.", i);
      auto writer = TFRecordWriter::Create(path, path, Compression::kNone);
      REQUIRE(writer.ok());
      for (int j = 0; j < 7; ++j)
        REQUIRE((*writer)->Write(RecordText(i, j)).ok());
      REQUIRE((*writer)->Close().ok());
      auto source = OpenFileRecordSource(TFRecord(), path, path);
      REQUIRE(source.ok());
      auto records = Drain(**source);
      REQUIRE(records.ok());
      REQUIRE(records->size() == 7);
      for (int j = 0; j < 7; ++j) {
        CHECK((*records)[j].key == absl::StrCat(path, ":", j * 34));
        CHECK((*records)[j].value == RecordText(i, j));
      }
      CHECK((*source)->position() == SourcePosition{7 * 34, 7});
    }
  }

  // TFRecordReaderTest.testReadZlibFiles, testReadGzipFiles
  TEST_CASE("TFRecord: ZLIB and GZIP files give the plain file's keys") {
    std::vector<std::string> texts;
    for (int j = 0; j < 7; ++j) texts.push_back(RecordText(0, j));
    const std::string plain = Framed(texts);
    const Outcome expected = ReadBytes(plain);
    REQUIRE(expected.status.ok());
    for (Compression compression : {Compression::kZlib, Compression::kGzip}) {
      const std::string packed = testing::ZlibCompress(plain, compression);
      const Outcome outcome = ReadBytes(packed, TFRecord(compression));
      CHECK(outcome.status.ok());
      CHECK(outcome.records == expected.records);
    }
  }

  // TFRecordWriterZlibTest.testOneEpoch, testZlibReadWrite, testGzipReadWrite
  TEST_CASE("TFRecord: the writer's GZIP and ZLIB files read back") {
    TempDir dir;
    for (Compression compression :
         {Compression::kNone, Compression::kZlib, Compression::kGzip}) {
      const std::string path = dir.path() + "/records";
      auto writer = TFRecordWriter::Create(path, "records", compression);
      REQUIRE(writer.ok());
      std::vector<std::string> written;
      for (int j = 0; j < 200; ++j) {
        written.push_back(
            std::string(static_cast<size_t>(j * 37), 'a' + j % 26));
        REQUIRE((*writer)->Write(written.back()).ok());
        if (j == 100) REQUIRE((*writer)->Flush().ok());
      }
      REQUIRE((*writer)->Close().ok());
      auto source =
          OpenFileRecordSource(TFRecord(compression), "records", path);
      REQUIRE(source.ok());
      auto records = Drain(**source);
      REQUIRE(records.ok());
      CHECK(Values(*records) == written);
    }
  }

  // TFRecordWriterZlibTest.testZLibFlushRecord: a full flush after every
  // byte, and empty flushes, do not disturb reading.
  TEST_CASE("TFRecord: a ZLIB stream flushed after every byte reads") {
    std::string packed;
    auto zlib = ZlibOutputStream::Create(
        std::make_unique<StringOutputStream>(&packed), Compression::kZlib);
    REQUIRE(zlib.ok());
    for (char c : EncodeTFRecord("small record")) {
      REQUIRE((*zlib)->Append(std::string(1, c)).ok());
      REQUIRE((*zlib)->Flush().ok());
    }
    REQUIRE((*zlib)->Flush().ok());
    REQUIRE((*zlib)->Flush().ok());
    REQUIRE((*zlib)->Close().ok());
    const Outcome outcome = ReadBytes(packed, TFRecord(Compression::kZlib));
    CHECK(outcome.status.ok());
    REQUIRE(outcome.records.size() == 1);
    CHECK(outcome.records[0].value == "small record");
  }

  TEST_CASE("TFRecord: records come whole however the bytes trickle in") {
    const std::string bytes = Framed(kRecords);
    for (size_t chunk = 1; chunk <= 20; ++chunk) {
      CAPTURE(chunk);
      CHECK(ValuesInChunks(bytes, chunk) == kRecords);
    }
  }

  // A record is read in place when it fits the reader's 64 KiB buffer and
  // into its own string when not; small ones straddle the buffer's end.
  TEST_CASE("TFRecord: records around the reader's buffer size read whole") {
    std::vector<std::string> records;
    for (size_t size : {size_t{65536 - 16}, size_t{65536 - 15}, size_t{200000},
                        size_t{10}, size_t{65536}}) {
      records.push_back(std::string(size, static_cast<char>('a' + size % 7)));
    }
    for (int i = 0; i < 10000; ++i) {
      records.push_back(std::string(static_cast<size_t>(i % 50), 'x'));
    }
    const std::string bytes = Framed(records);
    for (size_t chunk : {size_t{7000}, bytes.size()}) {
      CAPTURE(chunk);
      CHECK(ValuesInChunks(bytes, chunk) == records);
    }
    // A corrupt byte inside the large record is found there.
    std::string corrupt = bytes;
    const size_t third = 2 * 16 + (65536 - 16) + (65536 - 15);
    corrupt[third + 16 + 1000] ^= 1;
    const Outcome outcome = ReadBytes(corrupt);
    CHECK(outcome.records.size() == 2);
    CHECK(outcome.status.message() ==
          absl::StrCat("corrupted record at ", third + 12, " in f.tfrecord"));
  }

  // recordio_test CorruptLength, CorruptLengthCrc, CorruptData,
  // CorruptDataCrc, at every byte of every record.
  TEST_CASE("TFRecord: a corrupt byte anywhere is DATA_LOSS at its offset") {
    const std::string bytes = Framed(kRecords);
    const std::vector<size_t> starts = Starts();
    size_t record = 0;
    for (size_t at = 0; at < bytes.size(); ++at) {
      while (at >= starts[record + 1]) ++record;
      CAPTURE(at);
      std::string corrupt = bytes;
      corrupt[at] = static_cast<char>(corrupt[at] ^ 0x20);
      auto source = OpenRecordSource(TFRecord(), "data/a.tfrecord",
                                     MemoryOpener(corrupt));
      REQUIRE(source.ok());
      const Outcome outcome = ReadAll(**source);
      CHECK(outcome.records.size() == record);
      const size_t offset = at - starts[record] < kTFRecordHeaderBytes
                                ? starts[record]
                                : starts[record] + 12;
      CHECK(absl::IsDataLoss(outcome.status));
      CHECK(outcome.status.message() == absl::StrCat("corrupted record at ",
                                                     offset,
                                                     " in data/a.tfrecord"));
      // The error repeats, and the position stays before the bad record.
      CHECK((*source)->Next().status() == outcome.status);
      CHECK((*source)->position().offset ==
            static_cast<int64_t>(starts[record]));
    }
  }

  // tf_record_test testBadFile (a "123" record cut after 14 bytes), and
  // every other cut: TensorFlow ends quietly when fewer than 12 bytes
  // remain; Troupe reports them.
  TEST_CASE("TFRecord: a file cut anywhere but between records is truncated") {
    const std::string bytes = Framed(kRecords);
    const std::vector<size_t> starts = Starts();
    size_t record = 0;
    for (size_t length = 0; length <= bytes.size(); ++length) {
      while (record + 1 < starts.size() && length >= starts[record + 1])
        ++record;
      CAPTURE(length);
      const Outcome outcome = ReadBytes(bytes.substr(0, length));
      CHECK(outcome.records.size() == record);
      if (length == starts[record]) {
        CHECK(outcome.status.ok());
      } else {
        CHECK(absl::IsDataLoss(outcome.status));
        CHECK(outcome.status.message() == absl::StrCat("truncated record at ",
                                                       starts[record],
                                                       " in f.tfrecord"));
      }
    }
    const Outcome bad_file = ReadBytes(EncodeTFRecord("123").substr(0, 14));
    CHECK(bad_file.status.message() == "truncated record at 0 in f.tfrecord");
    const Outcome garbage = ReadBytes("abcde");
    CHECK(garbage.status.message() == "truncated record at 0 in f.tfrecord");
  }

  TEST_CASE("TFRecord: a hostile length is RESOURCE_EXHAUSTED, not allocated") {
    for (uint64_t length :
         {uint64_t{1} << 63, ~uint64_t{0}, uint64_t{257} << 20}) {
      CAPTURE(length);
      const std::string bytes =
          EncodeTFRecord("ok") + EncodeTFRecordHeader(length) + "xyz";
      const Outcome outcome = ReadBytes(bytes);
      CHECK(outcome.records.size() == 1);
      CHECK(absl::IsResourceExhausted(outcome.status));
      CHECK(outcome.status.message() ==
            absl::StrCat("Record at 18 of f.tfrecord is ", length,
                         " bytes, more than the limit of 268435456"));
    }
    // Within the limit but absent: truncated, after reading what is there.
    const Outcome short_file =
        ReadBytes(EncodeTFRecordHeader(uint64_t{200} << 20) + "xyz");
    CHECK(short_file.status.message() == "truncated record at 0 in f.tfrecord");
  }

  TEST_CASE("TFRecord: skip_corrupt skips a bad record and counts it") {
    std::string bytes = Framed(kRecords);
    const std::vector<size_t> starts = Starts();
    bytes[starts[1] + 13] ^= 1;  // The data of "defgh".
    ReaderOptions options = TFRecord();
    options.skip_corrupt = true;
    auto source = OpenRecordSource(options, "f", MemoryOpener(bytes));
    REQUIRE(source.ok());
    auto records = Drain(**source);
    REQUIRE(records.ok());
    CHECK(Values(*records) ==
          std::vector<std::string>{"abc", "", "the last one"});
    CHECK(Keys(*records) ==
          std::vector<std::string>{"f:0", absl::StrCat("f:", starts[2]),
                                   absl::StrCat("f:", starts[3])});
    CHECK((*source)->records_skipped() == 1);
  }

  TEST_CASE("TFRecord: skip_corrupt ends the unit at a corrupt length or cut") {
    const std::vector<size_t> starts = Starts();
    ReaderOptions options = TFRecord();
    options.skip_corrupt = true;
    for (bool cut : {false, true}) {
      std::string bytes = Framed(kRecords);
      if (cut) {
        bytes.resize(starts[2] + 5);
      } else {
        bytes[starts[2] + 3] ^= 1;
      }
      auto source = OpenRecordSource(options, "f", MemoryOpener(bytes));
      REQUIRE(source.ok());
      auto records = Drain(**source);
      REQUIRE(records.ok());
      CHECK(Values(*records) == std::vector<std::string>{"abc", "defgh"});
      CHECK((*source)->records_skipped() == 1);
    }
  }

  TEST_CASE("TFRecord: skip_corrupt gets past a damaged gzip stream") {
    std::vector<std::string> texts;
    for (int j = 0; j < 50; ++j) texts.push_back(RecordText(0, j));
    const std::string packed =
        testing::ZlibCompress(Framed(texts), Compression::kGzip);
    ReaderOptions options = TFRecord(Compression::kGzip);
    options.skip_corrupt = true;
    for (size_t at = 10; at < packed.size(); at += 7) {
      CAPTURE(at);
      std::string damaged = packed;
      damaged[at] ^= 0x55;
      auto source = OpenRecordSource(options, "f", MemoryOpener(damaged));
      REQUIRE(source.ok());
      auto records = Drain(**source);
      CHECK(records.ok());
      CHECK((*source)->records_skipped() >= 1);
      CHECK(records->size() <= texts.size());
    }
  }

  TEST_CASE("TFRecord: a plain file read as GZIP or ZLIB is DATA_LOSS") {
    const std::string bytes = Framed(kRecords);
    const Outcome gzip = ReadBytes(bytes, TFRecord(Compression::kGzip));
    CHECK(absl::IsDataLoss(gzip.status));
    CHECK(gzip.status.message() ==
          "inflate() failed with error -3: incorrect header check in "
          "f.tfrecord");
    const Outcome zlib = ReadBytes(bytes, TFRecord(Compression::kZlib));
    CHECK(absl::IsDataLoss(zlib.status));
    CHECK(absl::StartsWith(zlib.status.message(),
                           "inflate() failed with error -3: "));
  }

  TEST_CASE("TFRecord: a compressed stream cut short is DATA_LOSS") {
    const std::string packed =
        testing::ZlibCompress(Framed(kRecords), Compression::kGzip);
    const Outcome outcome = ReadBytes(packed.substr(0, packed.size() - 6),
                                      TFRecord(Compression::kGzip));
    CHECK(absl::IsDataLoss(outcome.status));
    CHECK(outcome.status.message() ==
          "unexpected end of compressed data in f.tfrecord");
  }

  TEST_CASE("TFRecord: concatenated gzip members read as one stream") {
    const std::string first = Framed({"a", "b"});
    const std::string second = Framed({"c"});
    const std::string packed =
        testing::ZlibCompress(first, Compression::kGzip) +
        testing::ZlibCompress(second, Compression::kGzip);
    const Outcome outcome = ReadBytes(packed, TFRecord(Compression::kGzip));
    CHECK(outcome.status.ok());
    CHECK(Values(outcome.records) == std::vector<std::string>{"a", "b", "c"});
  }
}

}  // namespace
}  // namespace troupe
