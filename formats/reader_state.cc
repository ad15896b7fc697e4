#include "formats/reader_state.h"

#include <initializer_list>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

#include "base/little_endian.h"
#include "formats/crc32c.h"
#include "formats/tfrecord_format.h"

namespace troupe {
namespace {

constexpr absl::string_view kTag = "TRRS";
constexpr char kVersion = 1;
constexpr size_t kFixedBytes = 4 + 1 + 1 + 6 * 8 + 4;  // Before the work.
constexpr size_t kShownBytes = 256;

std::string Describe(ReaderKind kind, absl::string_view reader) {
  return absl::StrCat(ReaderKindName(kind), " '", reader, "'");
}

std::string Fields(const ReaderState& state) {
  return absl::StrCat(
      "work_started: ", state.work_started,
      " work_finished: ", state.work_finished,
      " num_records_produced: ", state.num_records_produced,
      " records_skipped: ", state.records_skipped, " current_work: \"",
      absl::CEscape(state.current_work.substr(0, kShownBytes)),
      "\" offset: ", state.position.offset, " index: ", state.position.index);
}

}  // namespace

std::string SerializeReaderState(ReaderKind kind, const ReaderState& state) {
  std::string out(kTag);
  out.push_back(kVersion);
  out.push_back(static_cast<char>(kind));
  for (int64_t value :
       {state.work_started, state.work_finished, state.num_records_produced,
        state.records_skipped, state.position.offset, state.position.index}) {
    AppendLittle<uint64_t>(static_cast<uint64_t>(value), out);
  }
  AppendLittle<uint32_t>(static_cast<uint32_t>(state.current_work.size()), out);
  out += state.current_work;
  AppendLittle<uint32_t>(MaskCrc32c(Crc32c(out)), out);
  return out;
}

absl::StatusOr<ReaderState> ParseReaderState(absl::string_view bytes,
                                             ReaderKind kind,
                                             absl::string_view reader) {
  const auto unparsable = [&]() {
    std::string shown = absl::CEscape(bytes.substr(0, kShownBytes));
    if (bytes.size() > kShownBytes) shown += "...";
    return absl::InvalidArgumentError(absl::StrCat(
        "Could not parse state for ", Describe(kind, reader), ": ", shown));
  };
  if (bytes.size() < kFixedBytes + 4 || bytes.substr(0, 4) != kTag ||
      bytes[4] != kVersion || bytes[5] != static_cast<char>(kind)) {
    return unparsable();
  }
  const char* p = bytes.data() + 6;
  int64_t values[6];
  for (int64_t& value : values) {
    value = static_cast<int64_t>(GetLittle<uint64_t>(p));
    p += 8;
  }
  const uint64_t work_bytes = GetLittle<uint32_t>(p);
  if (bytes.size() != kFixedBytes + work_bytes + 4) return unparsable();
  const absl::string_view body = bytes.substr(0, bytes.size() - 4);
  if (UnmaskCrc32c(GetLittle<uint32_t>(bytes.data() + body.size())) !=
      Crc32c(body)) {
    return unparsable();
  }
  ReaderState state;
  state.work_started = values[0];
  state.work_finished = values[1];
  state.num_records_produced = values[2];
  state.records_skipped = values[3];
  state.position = {values[4], values[5]};
  state.current_work = std::string(body.substr(kFixedBytes));
  for (int64_t value : values) {
    if (value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("Unexpected negative value when restoring in ",
                       Describe(kind, reader), ": ", Fields(state)));
    }
  }
  const bool in_progress = state.work_finished < state.work_started;
  if (state.work_finished > state.work_started ||
      state.work_started - state.work_finished > 1 ||
      (!in_progress && !(state.position == SourcePosition{}))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Inconsistent work started vs. finished when restoring in ",
        Describe(kind, reader), ": ", Fields(state)));
  }
  return state;
}

}  // namespace troupe
