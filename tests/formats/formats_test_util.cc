#include "tests/formats/formats_test_util.h"

#include <stdlib.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace troupe::testing {

std::string ZlibCompress(const std::string& bytes, Compression compression) {
  z_stream z{};
  const int window_bits =
      compression == Compression::kGzip ? MAX_WBITS + 16 : MAX_WBITS;
  if (deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    std::abort();
  }
  std::string out(deflateBound(&z, bytes.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

absl::StatusOr<std::optional<Record>> NextRecord(RecordSource& source) {
  auto next = source.Next();
  if (!next.ok()) return next.status();
  if (!next->has_value()) return std::nullopt;
  return Record{std::string(source.key()), std::string(**next)};
}

absl::StatusOr<std::vector<Record>> Drain(RecordSource& source) {
  std::vector<Record> records;
  while (true) {
    auto next = NextRecord(source);
    if (!next.ok()) return next.status();
    if (!next->has_value()) return records;
    records.push_back(std::move(**next));
  }
}

std::vector<std::string> Values(const std::vector<Record>& records) {
  std::vector<std::string> values;
  for (const Record& record : records) values.push_back(record.value);
  return values;
}

std::vector<std::string> Keys(const std::vector<Record>& records) {
  std::vector<std::string> keys;
  for (const Record& record : records) keys.push_back(record.key);
  return keys;
}

}  // namespace troupe::testing

namespace troupe::testing {
namespace {

class ChunkedInputStream : public InputStream {
 public:
  ChunkedInputStream(const std::string& bytes, size_t chunk)
      : bytes_(bytes), chunk_(chunk) {}

  absl::StatusOr<size_t> Read(char* buffer, size_t n) override {
    const size_t count = std::min({n, chunk_, bytes_.size()});
    std::memcpy(buffer, bytes_.data(), count);
    bytes_.remove_prefix(count);
    return count;
  }

 private:
  absl::string_view bytes_;
  size_t chunk_;
};

}  // namespace

StreamOpener ChunkedOpener(const std::string& bytes, size_t chunk) {
  return [&bytes, chunk]() -> absl::StatusOr<std::unique_ptr<InputStream>> {
    return std::make_unique<ChunkedInputStream>(bytes, chunk);
  };
}

}  // namespace troupe::testing
