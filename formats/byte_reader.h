// ByteReader: buffered reads of lines and byte runs from an InputStream, with
// the count of bytes consumed so far (the offset records are keyed by).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "formats/input_stream.h"

namespace troupe {

class ByteReader {
 public:
  static constexpr size_t kDefaultBufferBytes = 64 * 1024;

  explicit ByteReader(std::unique_ptr<InputStream> input,
                      size_t buffer_bytes = kDefaultBufferBytes);

  // Bytes consumed through this reader (Read, ReadLine, Skip).
  uint64_t offset() const { return offset_; }

  // Appends up to `n` bytes to `*out`, fewer only at the end of the stream;
  // returns how many. `*out` grows with the bytes that exist, never by `n` at
  // once.
  absl::StatusOr<size_t> Read(size_t n, std::string* out);

  // The next min(n, bytes left) bytes, without consuming them, as a view of
  // the buffer: valid until the next call of anything but offset().
  // REQUIRES: n <= buffer_bytes().
  absl::StatusOr<absl::string_view> Peek(size_t n);
  // Consumes `n` bytes that Peek showed.
  void Consume(size_t n) {
    begin_ += n;
    offset_ += n;
  }
  size_t buffer_bytes() const { return buffer_.size(); }

  // Skips up to `n` bytes; returns how many (fewer only at the end).
  absl::StatusOr<uint64_t> Skip(uint64_t n);

  enum class Line {
    kEnd,       // Nothing left: `*line` is empty.
    kComplete,  // A line ended by '\n' (consumed, not stored).
    kLast,      // The stream's last bytes, with no '\n' after them.
    kTooLong,   // The line has more than `max_bytes`; `*line` holds a prefix.
  };
  // Replaces `*line` with the bytes up to the next '\n'.
  absl::StatusOr<Line> ReadLine(std::string* line, size_t max_bytes);

 private:
  // Refills the buffer when it is empty; false at the end of the stream.
  absl::StatusOr<bool> Fill();

  std::unique_ptr<InputStream> input_;
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;
};

}  // namespace troupe
