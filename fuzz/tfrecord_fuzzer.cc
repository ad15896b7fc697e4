// libFuzzer target: TFRecordSource over arbitrary bytes held in memory, plain
// or inflated, with and without skip_corrupt; then the same bytes as a saved
// reader state. The first input byte picks the options.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/memory_input_stream.h"
#include "formats/open_record_source.h"
#include "formats/reader_state.h"

namespace {

// Keeps a hostile length's record small, so the target runs in little memory.
constexpr int64_t kMaxRecordBytes = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  troupe::ReaderOptions options;
  options.kind = troupe::ReaderKind::kTFRecord;
  options.compression = mode % 3 == 0   ? troupe::Compression::kNone
                        : mode % 3 == 1 ? troupe::Compression::kZlib
                                        : troupe::Compression::kGzip;
  options.skip_corrupt = (mode & 0x10) != 0;
  options.max_record_bytes = kMaxRecordBytes;

  auto source =
      troupe::OpenRecordSource(options, "fuzz", troupe::MemoryOpener(bytes));
  if (source.ok()) {
    troupe::SourcePosition middle;
    int records = 0;
    while (true) {
      auto next = (*source)->Next();
      if (!next.ok() || !next->has_value()) break;
      if (++records == 2) middle = (*source)->position();
    }
    // Restoring a position it gave, or one made up, never reads out of
    // bounds.
    static_cast<void>((*source)->Restore(middle));
    static_cast<void>((*source)->Restore({static_cast<int64_t>(size), 1}));
    static_cast<void>((*source)->Next());
  }

  static_cast<void>(
      troupe::ParseReaderState(bytes, troupe::ReaderKind::kTFRecord, "fuzz"));
  return 0;
}
