// LentStream: a std::istream or std::ostream lent from the calling thread's
// spares and pointed at a buffer, for the message bodies' Cereal archives.
#pragma once

#include <memory>
#include <streambuf>
#include <utility>
#include <vector>

namespace troupe::wire_internal {

// Constructing a stream costs more than reading or writing a small message
// body (its locale: 75 ns here in a loop, more with cold caches), and every
// message needs one; pointing a spare at another buffer costs about 1 ns.
// Bodies read or written inside another on the same thread borrow their own.
template <class Stream>
class LentStream {
 public:
  explicit LentStream(std::streambuf* buffer) {
    std::vector<std::unique_ptr<Stream>>& spares = Spares();
    if (spares.empty()) {
      stream_ = std::make_unique<Stream>(buffer);
    } else {
      stream_ = std::move(spares.back());
      spares.pop_back();
      // Also clears the state the last borrower left.
      stream_->rdbuf(buffer);
    }
  }
  ~LentStream() {
    stream_->rdbuf(nullptr);
    std::vector<std::unique_ptr<Stream>>& spares = Spares();
    if (spares.size() < kMostSpares) spares.push_back(std::move(stream_));
  }
  LentStream(const LentStream&) = delete;
  LentStream& operator=(const LentStream&) = delete;

  Stream& operator*() const { return *stream_; }

 private:
  static constexpr size_t kMostSpares = 4;

  static std::vector<std::unique_ptr<Stream>>& Spares() {
    thread_local std::vector<std::unique_ptr<Stream>> spares;
    return spares;
  }

  std::unique_ptr<Stream> stream_;
};

}  // namespace troupe::wire_internal
