#include "formats/reader_state.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "doctest/doctest.h"

#include "formats/file_input_stream.h"
#include "formats/memory_input_stream.h"
#include "formats/open_record_source.h"
#include "formats/tfrecord_format.h"
#include "tests/formats/formats_test_util.h"

namespace troupe {
namespace {

using testing::Drain;
using testing::Record;
using testing::TempDir;

ReaderState SomeState() {
  ReaderState state;
  state.work_started = 3;
  state.work_finished = 2;
  state.num_records_produced = 17;
  state.records_skipped = 1;
  state.current_work = std::string("data/a\0b.tfrecord", 17);
  state.position = {1234, 9};
  return state;
}

// A reader of `kind` over `bytes` (stored form), with its options.
struct Case {
  std::string label;
  ReaderOptions options;
  std::string bytes;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  std::string text;
  for (int i = 0; i < 9; ++i)
    text += absl::StrCat("line ", i, i % 3 ? "\n" : "\r\n");
  text += "last";
  std::string tfrecords;
  for (int i = 0; i < 9; ++i) tfrecords += EncodeTFRecord(std::string(i, 'r'));
  for (Compression compression : {Compression::kNone, Compression::kGzip}) {
    const auto stored = [&](const std::string& plain) {
      return compression == Compression::kNone
                 ? plain
                 : testing::ZlibCompress(plain, compression);
    };
    ReaderOptions text_line;
    text_line.kind = ReaderKind::kTextLine;
    text_line.skip_header_lines = 2;
    text_line.compression = compression;
    cases.push_back({"text_line", text_line, stored(text)});
    ReaderOptions fixed;
    fixed.kind = ReaderKind::kFixedLengthRecord;
    fixed.record_bytes = 4;
    fixed.header_bytes = 3;
    fixed.footer_bytes = 1;
    fixed.hop_bytes = 3;
    fixed.compression = compression;
    cases.push_back({"fixed_length", fixed, stored(text)});
    ReaderOptions tfrecord;
    tfrecord.kind = ReaderKind::kTFRecord;
    tfrecord.compression = compression;
    cases.push_back({"tfrecord", tfrecord, stored(tfrecords)});
  }
  ReaderOptions whole_file;
  whole_file.kind = ReaderKind::kWholeFile;
  cases.push_back({"whole_file", whole_file, text});
  cases.push_back({"identity", ReaderOptions(), ""});
  return cases;
}

// Bytes, then DATA_LOSS: a stream whose later part cannot be read.
class BreakingStream : public InputStream {
 public:
  explicit BreakingStream(absl::string_view bytes) : bytes_(bytes) {}

  absl::StatusOr<size_t> Read(char* buffer, size_t n) override {
    if (bytes_.empty()) return absl::DataLossError("broken stream");
    const size_t count = std::min(n, bytes_.size());
    std::memcpy(buffer, bytes_.data(), count);
    bytes_.remove_prefix(count);
    return count;
  }

 private:
  absl::string_view bytes_;
};

TEST_SUITE("formats") {
  TEST_CASE("ReaderState: bytes round-trip") {
    const ReaderState state = SomeState();
    const std::string bytes =
        SerializeReaderState(ReaderKind::kTFRecord, state);
    auto parsed = ParseReaderState(bytes, ReaderKind::kTFRecord, "r");
    REQUIRE(parsed.ok());
    CHECK(*parsed == state);
    auto idle = ParseReaderState(
        SerializeReaderState(ReaderKind::kIdentity, ReaderState{}),
        ReaderKind::kIdentity, "r");
    REQUIRE(idle.ok());
    CHECK(*idle == ReaderState{});
  }

  // IdentityReaderTest.testSerializeRestore: cut, padded and overwritten
  // states fail with TensorFlow's text.
  TEST_CASE("ReaderState: damaged bytes are INVALID_ARGUMENT, TF's text") {
    const std::string s =
        SerializeReaderState(ReaderKind::kIdentity, SomeState());
    const std::vector<std::string> damaged = {
        s.substr(1),  s.substr(0, s.size() - 1), s + "ExtraJunk",
        "PREFIX" + s, "BOGUS" + s.substr(5),     ""};
    for (const std::string& bytes : damaged) {
      auto parsed =
          ParseReaderState(bytes, ReaderKind::kIdentity, "test_reader");
      CHECK(absl::IsInvalidArgument(parsed.status()));
      CHECK(absl::StartsWith(
          parsed.status().message(),
          "Could not parse state for IdentityReader 'test_reader': "));
    }
    for (size_t at = 0; at < s.size(); ++at) {
      std::string flipped = s;
      flipped[at] ^= 0x10;
      CHECK(!ParseReaderState(flipped, ReaderKind::kIdentity, "r").ok());
    }
    auto other_kind = ParseReaderState(s, ReaderKind::kTextLine, "t");
    CHECK(absl::StartsWith(other_kind.status().message(),
                           "Could not parse state for TextLineReader 't': "));
    // Hostile bytes are shown in part only.
    auto huge =
        ParseReaderState(std::string(100000, 'x'), ReaderKind::kIdentity, "r");
    CHECK(huge.status().message().size() < 400);
  }

  TEST_CASE("ReaderState: negative and inconsistent counters") {
    ReaderState negative = SomeState();
    negative.num_records_produced = -1;
    auto parsed =
        ParseReaderState(SerializeReaderState(ReaderKind::kTextLine, negative),
                         ReaderKind::kTextLine, "r");
    CHECK(absl::IsInvalidArgument(parsed.status()));
    CHECK(absl::StartsWith(
        parsed.status().message(),
        "Unexpected negative value when restoring in TextLineReader 'r': "));
    ReaderState inconsistent = SomeState();
    inconsistent.work_finished = 4;
    for (const ReaderState& state : {inconsistent, [] {
                                       ReaderState idle_with_position;
                                       idle_with_position.position = {5, 1};
                                       return idle_with_position;
                                     }()}) {
      auto bad =
          ParseReaderState(SerializeReaderState(ReaderKind::kTextLine, state),
                           ReaderKind::kTextLine, "r");
      CHECK(absl::StartsWith(bad.status().message(),
                             "Inconsistent work started vs. finished when "
                             "restoring in TextLineReader 'r': "));
    }
  }

  TEST_CASE("Restore: every position of every kind resumes the same records") {
    for (const Case& c : Cases()) {
      CAPTURE(c.label);
      CAPTURE(CompressionName(c.options.compression));
      auto source = OpenRecordSource(c.options, "w", MemoryOpener(c.bytes));
      REQUIRE(source.ok());
      std::vector<SourcePosition> positions = {(*source)->position()};
      auto all = Drain(**source);
      REQUIRE(all.ok());
      REQUIRE(!all->empty());
      // Positions after each record, read again from a fresh source.
      auto again = OpenRecordSource(c.options, "w", MemoryOpener(c.bytes));
      REQUIRE(again.ok());
      for (size_t i = 0; i < all->size(); ++i) {
        REQUIRE((*again)->Next().ok());
        positions.push_back((*again)->position());
      }
      for (size_t i = 0; i < positions.size(); ++i) {
        CAPTURE(i);
        auto restored = OpenRecordSource(c.options, "w", MemoryOpener(c.bytes));
        REQUIRE(restored.ok());
        REQUIRE((*restored)->Restore(positions[i]).ok());
        CHECK((*restored)->position() == positions[i]);
        auto rest = Drain(**restored);
        REQUIRE(rest.ok());
        CHECK(*rest == std::vector<Record>(all->begin() + static_cast<long>(i),
                                           all->end()));
      }
    }
  }

  TEST_CASE("Restore: a position the unit cannot have changes nothing") {
    for (const Case& c : Cases()) {
      CAPTURE(c.label);
      CAPTURE(CompressionName(c.options.compression));
      auto source = OpenRecordSource(c.options, "w", MemoryOpener(c.bytes));
      REQUIRE(source.ok());
      auto first = (*source)->Next();
      REQUIRE(first.ok());
      const SourcePosition before = (*source)->position();
      const std::vector<SourcePosition> bad = {
          {-1, 0}, {0, -1},      {1, 0},
          {0, 7},  {1 << 30, 5}, {before.offset + 1, before.index}};
      for (const SourcePosition& position : bad) {
        CAPTURE(position.offset);
        CAPTURE(position.index);
        const absl::Status status = (*source)->Restore(position);
        CHECK(absl::IsInvalidArgument(status));
        CHECK((*source)->position() == before);
      }
      auto rest = Drain(**source);
      REQUIRE(rest.ok());
      auto fresh = OpenRecordSource(c.options, "w", MemoryOpener(c.bytes));
      REQUIRE(fresh.ok());
      auto all = Drain(**fresh);
      REQUIRE(all.ok());
      CHECK(rest->size() + 1 == all->size());
    }
  }

  TEST_CASE("Restore: a reader's state through bytes resumes its file") {
    TempDir dir;
    std::string text;
    for (int i = 0; i < 20; ++i) text += absl::StrCat("row ", i, "\n");
    const std::string path = dir.Write("rows.txt", text);
    ReaderOptions options;
    options.kind = ReaderKind::kTextLine;
    auto source = OpenFileRecordSource(options, "rows.txt", path);
    REQUIRE(source.ok());
    for (int i = 0; i < 7; ++i) REQUIRE((*source)->Next().ok());
    ReaderState state;
    state.work_started = 1;
    state.num_records_produced = 7;
    state.current_work = "rows.txt";
    state.position = (*source)->position();
    auto parsed =
        ParseReaderState(SerializeReaderState(ReaderKind::kTextLine, state),
                         ReaderKind::kTextLine, "r");
    REQUIRE(parsed.ok());
    auto resumed = OpenRecordSourceAt(options, parsed->current_work,
                                      FileOpener(path, parsed->current_work),
                                      parsed->position);
    REQUIRE(resumed.ok());
    auto next = testing::NextRecord(**resumed);
    REQUIRE(next.ok());
    CHECK(**next == Record{"rows.txt:8", "row 7"});
    auto beyond = OpenRecordSourceAt(options, "rows.txt",
                                     FileOpener(path, "rows.txt"), {4, 1});
    CHECK(absl::IsInvalidArgument(beyond.status()));
    CHECK(beyond.status().message() ==
          "Cannot restore TextLineReader to offset 4, record 1 of rows.txt: "
          "not the start of a line");
  }

  // Found by fuzz/record_sources_fuzz.cc: a position a source gave may lie
  // beyond a corrupt part of its stream (a hop past the last record read);
  // restoring it meets the stream's error, not INVALID_ARGUMENT.
  TEST_CASE("Restore: reaching a position through a broken stream") {
    const std::string bytes = "HaFFxxxxbFFxx";
    const StreamOpener open =
        [&bytes]() -> absl::StatusOr<std::unique_ptr<InputStream>> {
      return std::make_unique<BreakingStream>(bytes);
    };
    ReaderOptions options;
    options.kind = ReaderKind::kFixedLengthRecord;
    options.header_bytes = 1;
    options.record_bytes = 1;
    options.footer_bytes = 2;
    options.hop_bytes = 7;
    auto source = OpenRecordSource(options, "w", open);
    REQUIRE(source.ok());
    auto records = Drain(**source);
    CHECK(records.status().message() == "broken stream");
    CHECK((*source)->position() == SourcePosition{15, 2});
    auto again = OpenRecordSource(options, "w", open);
    REQUIRE(again.ok());
    CHECK(absl::IsDataLoss((*again)->Restore({15, 2})));
    CHECK((*again)->position() == SourcePosition{1, 0});
  }

  TEST_CASE("Restore: a TFRecord position inside a record is refused") {
    std::string bytes =
        EncodeTFRecord("abcdefghijklmnopqrstuvwxyz") + EncodeTFRecord("second");
    ReaderOptions options;
    options.kind = ReaderKind::kTFRecord;
    auto source = OpenRecordSource(options, "w", MemoryOpener(bytes));
    REQUIRE(source.ok());
    for (int64_t offset = 1; offset < 42; ++offset) {
      CAPTURE(offset);
      CHECK(absl::IsInvalidArgument((*source)->Restore({offset, 1})));
    }
    CHECK((*source)->Restore({42, 1}).ok());
    auto next = (*source)->Next();
    REQUIRE(next.ok());
    CHECK(**next == "second");
  }
}

}  // namespace
}  // namespace troupe
