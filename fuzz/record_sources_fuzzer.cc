// libFuzzer target: TextLineSource and FixedLengthSource over arbitrary bytes
// in memory, plain or inflated, then restored to a position they gave and to
// made-up ones. Input: 3 option bytes, then the unit's bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"

#include "formats/memory_input_stream.h"
#include "formats/open_record_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 3, size - 3);

  troupe::ReaderOptions options;
  options.max_record_bytes = 4096;
  options.compression = data[0] % 3 == 0   ? troupe::Compression::kNone
                        : data[0] % 3 == 1 ? troupe::Compression::kZlib
                                           : troupe::Compression::kGzip;
  if ((data[0] & 0x80) != 0) {
    options.kind = troupe::ReaderKind::kTextLine;
    options.skip_header_lines = data[1] % 4;
  } else {
    options.kind = troupe::ReaderKind::kFixedLengthRecord;
    options.record_bytes = 1 + data[1] % 7;
    options.hop_bytes = (data[1] >> 4) % 9;
    options.header_bytes = data[2] % 5;
    options.footer_bytes = (data[2] >> 3) % 3;
  }

  auto source =
      troupe::OpenRecordSource(options, "fuzz", troupe::MemoryOpener(bytes));
  if (!source.ok()) return 0;
  troupe::SourcePosition second;
  int records = 0;
  while (true) {
    auto next = (*source)->Next();
    if (!next.ok() || !next->has_value()) break;
    static_cast<void>((*source)->key());
    if (++records == 2) second = (*source)->position();
  }
  // A position the source gave is never refused as invalid on a fresh
  // source over the same bytes (reaching it may still meet a corrupt
  // stream); made-up ones fail cleanly or land on a record.
  auto again =
      troupe::OpenRecordSource(options, "fuzz", troupe::MemoryOpener(bytes));
  if (again.ok() && records >= 2 &&
      absl::IsInvalidArgument((*again)->Restore(second))) {
    __builtin_trap();
  }
  static_cast<void>((*source)->Restore({data[1], data[2]}));
  static_cast<void>((*source)->Next());
  return 0;
}
