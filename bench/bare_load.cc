#include "bench/bare_load.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#include "base/little_endian.h"
#include "bench/bench_util.h"
#include "formats/crc32c.h"
#include "formats/tfrecord_format.h"

namespace troupe::bench {

namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;

// Adds the 3 comma-separated floats of `line` to `pass`.
absl::Status ParseLine(absl::string_view line, LoadPass& pass) {
  const char* at = line.data();
  const char* end = line.data() + line.size();
  for (int column = 0; column < 3; ++column) {
    float value = 0;
    const auto parsed = std::from_chars(at, end, value);
    if (parsed.ec != std::errc() ||
        (column < 2 ? parsed.ptr == end || *parsed.ptr != ','
                    : parsed.ptr != end)) {
      return absl::DataLossError(absl::StrCat("bad line: ", line));
    }
    pass.sum += value;
    at = parsed.ptr + 1;
  }
  ++pass.records;
  return absl::OkStatus();
}

// Reads `path` in chunks; `consume(bytes)` takes what it can from the front
// of the bytes not yet consumed and returns how many it took (the rest is
// kept for the next chunk).
absl::Status ReadChunks(
    const std::string& path,
    const std::function<absl::StatusOr<size_t>(absl::string_view)>& consume) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::vector<char> buffer(2 * kChunkBytes);
  size_t kept = 0;
  absl::Status status;
  for (;;) {
    if (buffer.size() - kept < kChunkBytes) buffer.resize(kept + kChunkBytes);
    const ssize_t n = read(fd, buffer.data() + kept, kChunkBytes);
    if (n < 0) {
      status = absl::InternalError(absl::StrCat("cannot read ", path));
      break;
    }
    if (n == 0) {
      if (kept != 0) status = absl::DataLossError("a truncated last record");
      break;
    }
    const size_t have = kept + static_cast<size_t>(n);
    auto taken = consume(absl::string_view(buffer.data(), have));
    if (!taken.ok()) {
      status = taken.status();
      break;
    }
    kept = have - *taken;
    std::memmove(buffer.data(), buffer.data() + *taken, kept);
  }
  close(fd);
  return status;
}

}  // namespace

absl::StatusOr<LoadPass> BareCsvLoop(const std::string& path) {
  LoadPass pass;
  const int64_t start = NowNs();
  auto status =
      ReadChunks(path, [&](absl::string_view bytes) -> absl::StatusOr<size_t> {
        size_t at = 0;
        for (;;) {
          const size_t newline = bytes.find('\n', at);
          if (newline == absl::string_view::npos) return at;
          if (auto parsed = ParseLine(bytes.substr(at, newline - at), pass);
              !parsed.ok())
            return parsed;
          at = newline + 1;
        }
      });
  if (!status.ok()) return status;
  pass.seconds = Seconds(start, NowNs());
  return pass;
}

absl::StatusOr<LoadPass> BareTFRecordLoop(const std::string& path) {
  LoadPass pass;
  const int64_t start = NowNs();
  auto status =
      ReadChunks(path, [&](absl::string_view bytes) -> absl::StatusOr<size_t> {
        size_t at = 0;
        while (bytes.size() - at >= kTFRecordHeaderBytes) {
          const char* header = bytes.data() + at;
          const uint64_t length = GetLittle<uint64_t>(header);
          if (MaskCrc32c(Crc32c(absl::string_view(header, 8))) !=
              GetLittle<uint32_t>(header + 8)) {
            return absl::DataLossError(absl::StrCat("bad length at ", at));
          }
          const size_t whole =
              kTFRecordHeaderBytes + length + kTFRecordFooterBytes;
          if (bytes.size() - at < whole) break;
          const absl::string_view data(header + kTFRecordHeaderBytes, length);
          if (MaskCrc32c(Crc32c(data)) !=
              GetLittle<uint32_t>(data.data() + data.size())) {
            return absl::DataLossError(absl::StrCat("bad data at ", at));
          }
          if (auto parsed = ParseLine(data, pass); !parsed.ok()) return parsed;
          at += whole;
        }
        return at;
      });
  if (!status.ok()) return status;
  pass.seconds = Seconds(start, NowNs());
  return pass;
}

}  // namespace troupe::bench
