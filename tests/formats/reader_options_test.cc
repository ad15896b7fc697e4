#include "formats/reader_options.h"

#include "doctest/doctest.h"

#include "formats/compression.h"

namespace troupe {
namespace {

TEST_SUITE("formats") {
  TEST_CASE("ReaderOptions: TensorFlow's class names") {
    CHECK(ReaderKindName(ReaderKind::kIdentity) == "IdentityReader");
    CHECK(ReaderKindName(ReaderKind::kTextLine) == "TextLineReader");
    CHECK(ReaderKindName(ReaderKind::kFixedLengthRecord) ==
          "FixedLengthRecordReader");
    CHECK(ReaderKindName(ReaderKind::kTFRecord) == "TFRecordReader");
    CHECK(ReaderKindName(ReaderKind::kWholeFile) == "WholeFileReader");
  }

  TEST_CASE("Compression: TensorFlow's names, and an unknown one is refused") {
    CHECK(*ParseCompression("") == Compression::kNone);
    CHECK(*ParseCompression("NONE") == Compression::kNone);
    CHECK(*ParseCompression("ZLIB") == Compression::kZlib);
    CHECK(*ParseCompression("GZIP") == Compression::kGzip);
    const auto unknown = ParseCompression("gzip2");
    CHECK(absl::IsInvalidArgument(unknown.status()));
    CHECK(unknown.status().message() == "Unsupported compression_type: gzip2");
    for (Compression compression :
         {Compression::kNone, Compression::kZlib, Compression::kGzip}) {
      CHECK(*ParseCompression(CompressionName(compression)) == compression);
    }
  }

  TEST_CASE("ReaderOptions: an option the kind does not take is refused") {
    ReaderOptions text_line;
    text_line.kind = ReaderKind::kTextLine;
    CHECK(ValidateReaderOptions(text_line).ok());
    text_line.skip_corrupt = true;
    CHECK(ValidateReaderOptions(text_line).message() ==
          "TextLineReader takes no skip_corrupt");
    ReaderOptions tfrecord;
    tfrecord.kind = ReaderKind::kTFRecord;
    tfrecord.skip_corrupt = true;
    tfrecord.compression = Compression::kGzip;
    CHECK(ValidateReaderOptions(tfrecord).ok());
    tfrecord.record_bytes = 4;
    CHECK(ValidateReaderOptions(tfrecord).message() ==
          "TFRecordReader takes no record_bytes");
    ReaderOptions identity;
    identity.compression = Compression::kZlib;
    CHECK(ValidateReaderOptions(identity).message() ==
          "IdentityReader takes no compression");
    ReaderOptions no_limit;
    no_limit.max_record_bytes = 0;
    CHECK(absl::IsInvalidArgument(ValidateReaderOptions(no_limit)));
  }
}

}  // namespace
}  // namespace troupe
