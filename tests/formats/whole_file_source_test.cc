#include "formats/whole_file_source.h"

#include <string>
#include <vector>

#include "doctest/doctest.h"

#include "formats/identity_source.h"
#include "formats/memory_input_stream.h"
#include "formats/open_record_source.h"
#include "tests/formats/formats_test_util.h"

namespace troupe {
namespace {

using testing::Drain;
using testing::Record;
using testing::TempDir;

ReaderOptions WholeFile(
    int64_t max_bytes = ReaderOptions::kDefaultMaxRecordBytes) {
  ReaderOptions options;
  options.kind = ReaderKind::kWholeFile;
  options.max_record_bytes = max_bytes;
  return options;
}

TEST_SUITE("formats") {
  // WholeFileReaderTest.testOneEpoch: key the file, value its contents, one
  // record per unit; an empty file is one "" record.
  TEST_CASE("WholeFile: one record per file, key the work unit") {
    TempDir dir;
    const std::vector<std::string> contents = {"", "A", "AA"};
    for (size_t i = 0; i < contents.size(); ++i) {
      const std::string path =
          dir.Write("whole_file." + std::to_string(i), contents[i]);
      auto source = OpenFileRecordSource(WholeFile(), path, path);
      REQUIRE(source.ok());
      auto records = Drain(**source);
      REQUIRE(records.ok());
      REQUIRE(records->size() == 1);
      CHECK((*records)[0] == Record{path, contents[i]});
      CHECK((*source)->position() == SourcePosition{0, 1});
    }
  }

  TEST_CASE("WholeFile: a missing file fails once, at open") {
    TempDir dir;
    auto source =
        OpenFileRecordSource(WholeFile(), "gone", dir.path() + "/gone");
    CHECK(absl::IsNotFound(source.status()));
    CHECK(source.status().message() == "gone; No such file or directory");
  }

  TEST_CASE("WholeFile: a file over the limit is RESOURCE_EXHAUSTED") {
    TempDir dir;
    const std::string path = dir.Write("big", std::string(100000, 'x'));
    auto source = OpenFileRecordSource(WholeFile(1000), "data/big", path);
    REQUIRE(source.ok());
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto next = (*source)->Next();
      CHECK(absl::IsResourceExhausted(next.status()));
      CHECK(next.status().message() ==
            "data/big is 100000 bytes, more than the limit of 1000");
    }
    auto exact = OpenFileRecordSource(WholeFile(100000), "data/big", path);
    REQUIRE(exact.ok());
    auto records = Drain(**exact);
    REQUIRE(records.ok());
    CHECK((*records)[0].value.size() == 100000);
  }

  TEST_CASE("WholeFile: compression is refused, not ignored") {
    ReaderOptions options = WholeFile();
    options.compression = Compression::kGzip;
    CHECK(ValidateReaderOptions(options).message() ==
          "WholeFileReader takes no compression");
  }

  // IdentityReaderTest.testOneEpoch: key = value = the work unit.
  TEST_CASE("Identity: the unit is key and value, once") {
    ReaderOptions options;
    auto source = OpenRecordSource(options, "A", MemoryOpener(""));
    REQUIRE(source.ok());
    auto records = Drain(**source);
    REQUIRE(records.ok());
    REQUIRE(records->size() == 1);
    CHECK((*records)[0] == Record{"A", "A"});
  }
}

}  // namespace
}  // namespace troupe
