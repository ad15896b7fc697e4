#include "formats/fixed_length_source.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "doctest/doctest.h"

#include "formats/memory_input_stream.h"
#include "formats/open_record_source.h"
#include "tests/formats/formats_test_util.h"

namespace troupe {
namespace {

using testing::Drain;
using testing::Keys;
using testing::TempDir;
using testing::Values;

ReaderOptions Fixed(int64_t record, int64_t header = 0, int64_t footer = 0,
                    int64_t hop = 0,
                    Compression compression = Compression::kNone) {
  ReaderOptions options;
  options.kind = ReaderKind::kFixedLengthRecord;
  options.record_bytes = record;
  options.header_bytes = header;
  options.footer_bytes = footer;
  options.hop_bytes = hop;
  options.compression = compression;
  return options;
}

std::vector<std::string> ReadValues(const ReaderOptions& options,
                                    const std::string& bytes) {
  auto source = OpenRecordSource(options, "f", MemoryOpener(bytes));
  REQUIRE(source.ok());
  auto records = Drain(**source);
  REQUIRE(records.ok());
  return Values(*records);
}

// FixedLengthRecordReaderTest._Record: record r of file f.
std::string RecordText(int f, int r) {
  return std::string(3, static_cast<char>('0' + (f * 2 + r) % 10));
}

// FixedLengthRecordReaderTest's file: header "HHHHH", 7 records, "FF"; with
// `gap`, a "G" after each record (read with hop_bytes 4).
std::string File(int f, bool gap) {
  std::string contents = "HHHHH";
  for (int r = 0; r < 7; ++r) {
    contents += RecordText(f, r);
    if (gap) contents += "G";
  }
  return contents + "FF";
}

TEST_SUITE("formats") {
  // FixedLengthRecordReaderTest.testOneEpoch
  TEST_CASE("FixedLength: one epoch, keys <file>:<0-based index>") {
    TempDir dir;
    for (int f = 0; f < 2; ++f) {
      const std::string path = dir.Write(
          absl::StrCat("fixed_length_record.", f, ".txt"), File(f, false));
      auto source = OpenFileRecordSource(Fixed(3, 5, 2), path, path);
      REQUIRE(source.ok());
      auto records = Drain(**source);
      REQUIRE(records.ok());
      REQUIRE(records->size() == 7);
      for (int r = 0; r < 7; ++r) {
        CHECK((*records)[r].key == absl::StrCat(path, ":", r));
        CHECK((*records)[r].value == RecordText(f, r));
      }
    }
  }

  // FixedLengthRecordReaderTest.testOneEpochWithHopBytes (a gap byte)
  TEST_CASE("FixedLength: hop_bytes past a gap byte") {
    std::vector<std::string> expected;
    for (int r = 0; r < 7; ++r) expected.push_back(RecordText(1, r));
    CHECK(ReadValues(Fixed(3, 5, 2, 4), File(1, true)) == expected);
  }

  // FixedLengthRecordReaderTest.testOneEpochWithHopBytesAndOverlap
  TEST_CASE("FixedLength: overlapping records with hop_bytes 2") {
    CHECK(ReadValues(Fixed(3, 5, 2, 2), "HHHHH0123456FF") ==
          std::vector<std::string>{"012", "234", "456"});
    CHECK(ReadValues(Fixed(3, 0, 0, 2), "01234") ==
          std::vector<std::string>{"012", "234"});
  }

  // FixedLengthRecordReaderTest.testGzipOneEpoch, testZlibOneEpoch and the
  // hop variants: header, footer and hop count uncompressed bytes.
  TEST_CASE("FixedLength: GZIP and ZLIB files read as the plain ones") {
    for (Compression compression : {Compression::kGzip, Compression::kZlib}) {
      for (bool gap : {false, true}) {
        const std::string plain = File(0, gap);
        const ReaderOptions plain_options = Fixed(3, 5, 2, gap ? 4 : 0);
        const ReaderOptions packed_options =
            Fixed(3, 5, 2, gap ? 4 : 0, compression);
        CHECK(ReadValues(packed_options,
                         testing::ZlibCompress(plain, compression)) ==
              ReadValues(plain_options, plain));
      }
    }
  }

  TEST_CASE("FixedLength: never a short record, and left-overs end quietly") {
    CHECK(ReadValues(Fixed(3, 5, 2), "HHHHHFF").empty());
    CHECK(ReadValues(Fixed(3, 5, 2), "HHH").empty());
    CHECK(ReadValues(Fixed(3), "abcdefgh") ==
          std::vector<std::string>{"abc", "def"});
    // The footer must fit after the record: "ghFF" holds no "ghi" + footer.
    CHECK(ReadValues(Fixed(3, 0, 2), "abcdefghFF") ==
          std::vector<std::string>{"abc", "def"});
    // A hop past the end.
    CHECK(ReadValues(Fixed(2, 0, 0, 10), "abcdefghijklmnopqrstuvw") ==
          std::vector<std::string>{"ab", "kl", "uv"});
  }

  TEST_CASE("FixedLength: records across buffer refills, byte by byte") {
    std::string bytes = "HH";
    for (int i = 0; i < 100; ++i) bytes += absl::StrCat(1000 + i);
    bytes += "F";
    std::vector<std::string> expected;
    for (int i = 0; i < 100; ++i) expected.push_back(absl::StrCat(1000 + i));
    for (size_t chunk : {1, 3, 7}) {
      auto source = OpenRecordSource(Fixed(4, 2, 1), "f",
                                     testing::ChunkedOpener(bytes, chunk));
      REQUIRE(source.ok());
      auto records = Drain(**source);
      REQUIRE(records.ok());
      CHECK(Values(*records) == expected);
    }
  }

  TEST_CASE(
      "FixedLength: options as TensorFlow words them, and what it misses") {
    const std::vector<std::pair<ReaderOptions, std::string>> cases = {
        {Fixed(3, -1), "header_bytes must be >= 0 not -1"},
        {Fixed(-3), "record_bytes must be >= 0 not -3"},
        {Fixed(3, 0, -2), "footer_bytes must be >= 0 not -2"},
        {Fixed(3, 0, 0, -4), "hop_bytes must be >= 0 not -4"},
        {Fixed(0), "record_bytes must be > 0 not 0"},
        {Fixed(0, 0, 0, 1), "record_bytes must be > 0 not 0"},
    };
    for (const auto& [options, text] : cases) {
      const absl::Status status = ValidateReaderOptions(options);
      CHECK(absl::IsInvalidArgument(status));
      CHECK(status.message() == text);
    }
    ReaderOptions too_big = Fixed(600, 0, 500);
    too_big.max_record_bytes = 1000;
    CHECK(absl::IsInvalidArgument(ValidateReaderOptions(too_big)));
    ReaderOptions unknown = Fixed(3);
    unknown.skip_header_lines = 1;
    CHECK(ValidateReaderOptions(unknown).message() ==
          "FixedLengthRecordReader takes no skip_header_lines");
  }

  TEST_CASE("FixedLength: a plain file read as GZIP fails at work start") {
    auto source = OpenRecordSource(Fixed(3, 5, 2, 0, Compression::kGzip), "f",
                                   MemoryOpener(File(0, false)));
    CHECK(absl::IsDataLoss(source.status()));
    CHECK(source.status().message() ==
          "inflate() failed with error -3: incorrect header check in f");
  }
}

}  // namespace
}  // namespace troupe
