#include "formats/byte_reader.h"

#include <algorithm>
#include <cstring>

#include "base/status_macros.h"

namespace troupe {

ByteReader::ByteReader(std::unique_ptr<InputStream> input, size_t buffer_bytes)
    : input_(std::move(input)), buffer_(std::max<size_t>(buffer_bytes, 1)) {}

absl::StatusOr<bool> ByteReader::Fill() {
  if (begin_ < end_) return true;
  TROUPE_ASSIGN_OR_RETURN(size_t got,
                          input_->Read(buffer_.data(), buffer_.size()));
  begin_ = 0;
  end_ = got;
  return got > 0;
}

absl::StatusOr<size_t> ByteReader::Read(size_t n, std::string* out) {
  size_t done = 0;
  while (done < n) {
    if (begin_ == end_ && n - done >= buffer_.size()) {
      // A large read goes around the buffer, in buffer-sized steps so that
      // `*out` grows only with bytes that exist.
      const size_t old_size = out->size();
      out->resize(old_size + buffer_.size());
      auto got = input_->Read(out->data() + old_size, buffer_.size());
      out->resize(old_size + (got.ok() ? *got : 0));
      if (!got.ok()) return got.status();
      if (*got == 0) break;
      done += *got;
      offset_ += *got;
      continue;
    }
    TROUPE_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) break;
    const size_t count = std::min(n - done, end_ - begin_);
    out->append(buffer_.data() + begin_, count);
    begin_ += count;
    done += count;
    offset_ += count;
  }
  return done;
}

absl::StatusOr<absl::string_view> ByteReader::Peek(size_t n) {
  while (end_ - begin_ < n) {
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    TROUPE_ASSIGN_OR_RETURN(
        size_t got, input_->Read(buffer_.data() + end_, buffer_.size() - end_));
    if (got == 0) break;
    end_ += got;
  }
  return absl::string_view(buffer_.data() + begin_, std::min(n, end_ - begin_));
}

absl::StatusOr<uint64_t> ByteReader::Skip(uint64_t n) {
  const size_t buffered =
      static_cast<size_t>(std::min<uint64_t>(n, end_ - begin_));
  begin_ += buffered;
  offset_ += buffered;
  uint64_t skipped = buffered;
  if (skipped < n) {
    TROUPE_ASSIGN_OR_RETURN(uint64_t more, input_->Skip(n - skipped));
    skipped += more;
    offset_ += more;
  }
  return skipped;
}

absl::StatusOr<ByteReader::Line> ByteReader::ReadLine(std::string* line,
                                                      size_t max_bytes) {
  line->clear();
  while (true) {
    TROUPE_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) return line->empty() ? Line::kEnd : Line::kLast;
    const char* start = buffer_.data() + begin_;
    const size_t available = end_ - begin_;
    const void* newline = std::memchr(start, '\n', available);
    const size_t count = newline != nullptr
                             ? static_cast<const char*>(newline) - start
                             : available;
    if (line->size() + count > max_bytes) {
      const size_t fits = max_bytes - line->size();
      line->append(start, fits);
      begin_ += fits;
      offset_ += fits;
      return Line::kTooLong;
    }
    line->append(start, count);
    begin_ += count;
    offset_ += count;
    if (newline != nullptr) {
      ++begin_;
      ++offset_;
      return Line::kComplete;
    }
  }
}

}  // namespace troupe
