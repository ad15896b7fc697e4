#include "formats/text_line_source.h"

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
using testing::Record;
using testing::TempDir;
using testing::Values;

ReaderOptions TextLine(int64_t skip_header_lines = 0) {
  ReaderOptions options;
  options.kind = ReaderKind::kTextLine;
  options.skip_header_lines = skip_header_lines;
  return options;
}

// The lines of a memory "file" as TextLineReader gives them.
std::vector<std::string> Lines(const std::string& contents) {
  auto source = OpenRecordSource(TextLine(), "f", MemoryOpener(contents));
  REQUIRE(source.ok());
  auto records = Drain(**source);
  REQUIRE(records.ok());
  return Values(*records);
}

// TextLineReaderTest's files: two files of 5 lines "<f>: <l>", the second
// without a newline after its last line.
std::vector<std::string> CreateFiles(const TempDir& dir, bool crlf) {
  std::vector<std::string> files;
  for (int i = 0; i < 2; ++i) {
    std::string contents;
    for (int j = 0; j < 5; ++j) {
      contents += absl::StrCat(i, ": ", j);
      if (j + 1 != 5 || i == 0) contents += crlf ? "\r\n" : "\n";
    }
    files.push_back(dir.Write(absl::StrCat("text_line.", i, ".txt"), contents));
  }
  return files;
}

void ExpectOneEpoch(const std::vector<std::string>& files, int skip) {
  for (size_t i = 0; i < files.size(); ++i) {
    auto source = OpenFileRecordSource(TextLine(skip), files[i], files[i]);
    REQUIRE(source.ok());
    auto records = Drain(**source);
    REQUIRE(records.ok());
    REQUIRE(records->size() == static_cast<size_t>(5 - skip));
    for (int j = skip; j < 5; ++j) {
      const Record& record = (*records)[static_cast<size_t>(j - skip)];
      CHECK(record.key == absl::StrCat(files[i], ":", j + 1));
      CHECK(record.value == absl::StrCat(i, ": ", j));
    }
  }
}

TEST_SUITE("formats") {
  // TextLineReaderTest.testOneEpochLF
  TEST_CASE("TextLine: one epoch of LF files, keys <file>:<1-based line>") {
    TempDir dir;
    ExpectOneEpoch(CreateFiles(dir, false), 0);
  }

  // TextLineReaderTest.testOneEpochCRLF
  TEST_CASE("TextLine: one epoch of CRLF files drops the \\r") {
    TempDir dir;
    ExpectOneEpoch(CreateFiles(dir, true), 0);
  }

  // TextLineReaderTest.testSkipHeaderLines
  TEST_CASE("TextLine: skipped header lines still count in the keys") {
    TempDir dir;
    ExpectOneEpoch(CreateFiles(dir, false), 1);
  }

  TEST_CASE("TextLine: line breaks as TensorFlow's ReadLine makes them") {
    using V = std::vector<std::string>;
    CHECK(Lines("") == V{});
    CHECK(Lines("\n") == V{""});
    CHECK(Lines("a\n\nb\n") == V{"a", "", "b"});
    CHECK(Lines("a\rb\n") == V{"a\rb"});
    CHECK(Lines("a\r\r\n") == V{"a\r"});
    CHECK(Lines("a\nb") == V{"a", "b"});
    CHECK(Lines("a\nb\r") == V{"a", "b"});
    CHECK(Lines("a\n\r") == V{"a"});
    CHECK(Lines("\r\n") == V{""});
    CHECK(Lines(std::string("x\0y\n", 4)) == V{std::string("x\0y", 3)});
  }

  TEST_CASE("TextLine: a file shorter than its header yields nothing") {
    ReaderOptions options = TextLine(5);
    const std::string contents = "h1\nh2\n";
    auto source = OpenRecordSource(options, "f", MemoryOpener(contents));
    REQUIRE(source.ok());
    auto next = (*source)->Next();
    REQUIRE(next.ok());
    CHECK(!next->has_value());
    CHECK((*source)->position() == SourcePosition{6, 2});
  }

  TEST_CASE("TextLine: lines across buffer refills keep their bytes") {
    std::string contents;
    std::vector<std::string> expected;
    for (int i = 0; i < 3000; ++i) {
      expected.push_back(
          std::string(static_cast<size_t>(i % 97), 'a' + i % 26));
      contents += expected.back() + (i % 2 ? "\r\n" : "\n");
    }
    CHECK(Lines(contents) == expected);
  }

  TEST_CASE("TextLine: a line beyond max_record_bytes is RESOURCE_EXHAUSTED") {
    ReaderOptions options = TextLine();
    options.max_record_bytes = 8;
    const std::string contents = "12345678\n123456789\nok\n";
    auto source = OpenRecordSource(options, "f.txt", MemoryOpener(contents));
    REQUIRE(source.ok());
    auto first = (*source)->Next();
    REQUIRE(first.ok());
    CHECK(**first == "12345678");
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto second = (*source)->Next();
      CHECK(absl::IsResourceExhausted(second.status()));
      CHECK(second.status().message() ==
            "Line 2 of f.txt is longer than the limit of 8 bytes");
    }
    CHECK((*source)->position() == SourcePosition{9, 1});
  }

  TEST_CASE("TextLine: a missing file is NOT_FOUND naming the work unit") {
    TempDir dir;
    auto source =
        OpenFileRecordSource(TextLine(), "data/none.txt", dir.path() + "/none");
    CHECK(absl::IsNotFound(source.status()));
    CHECK(source.status().message() ==
          "data/none.txt; No such file or directory");
  }

  TEST_CASE("TextLine: a directory is FAILED_PRECONDITION") {
    TempDir dir;
    auto source = OpenFileRecordSource(TextLine(), "d", dir.path());
    CHECK(absl::IsFailedPrecondition(source.status()));
    CHECK(source.status().message() == "d; Is a directory");
  }

  TEST_CASE("TextLine: GZIP and ZLIB files read as the plain one") {
    const std::string contents =
        "x1, x2 , target\n1.,, 0\n4., 5. , 1\n7., 8. , 0\n";
    for (Compression compression : {Compression::kGzip, Compression::kZlib}) {
      const std::string packed = testing::ZlibCompress(contents, compression);
      ReaderOptions options = TextLine(1);
      options.compression = compression;
      auto source =
          OpenRecordSource(options, "my_test.csv", MemoryOpener(packed));
      REQUIRE(source.ok());
      auto records = Drain(**source);
      REQUIRE(records.ok());
      CHECK(Keys(*records) == std::vector<std::string>{"my_test.csv:2",
                                                       "my_test.csv:3",
                                                       "my_test.csv:4"});
      CHECK(Values(*records) ==
            std::vector<std::string>{"1.,, 0", "4., 5. , 1", "7., 8. , 0"});
    }
  }

  TEST_CASE("TextLine: a negative skip_header_lines has TensorFlow's text") {
    const absl::Status status = ValidateReaderOptions(TextLine(-1));
    CHECK(absl::IsInvalidArgument(status));
    CHECK(status.message() == "skip_header_lines must be >= 0 not -1");
  }
}

}  // namespace
}  // namespace troupe
