// ByteStream: the bytes of one connection, over plain TCP (PlainStream) or
// TLS (tls_stream.h), with recv's and sendmsg's conventions: a count, 0 at
// the end of the stream, or -1 with errno (EAGAIN: nothing can move now).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace troupe {

class ByteStream {
 public:
  virtual ~ByteStream() = default;

  virtual ssize_t Read(char* data, size_t size) = 0;
  virtual ssize_t Write(const iovec* pieces, int count) = 0;
  // Whether a read that returned fewer bytes than asked for left nothing
  // behind (so that the reader may wait for the socket again): true for
  // plain TCP; TLS reads one record at a time.
  virtual bool ShortReadDrains() const = 0;
  // Bytes received and decrypted but not read yet, which poll() cannot see.
  virtual bool HasBuffered() const = 0;
  // Why the last Read or Write failed with `error` (its errno).
  virtual std::string ErrorText(int error) const {
    return std::strerror(error);
  }
};

// Plain TCP on a socket that the stream does not own.
class PlainStream final : public ByteStream {
 public:
  explicit PlainStream(int fd) : fd_(fd) {}

  ssize_t Read(char* data, size_t size) override {
    return recv(fd_, data, size, 0);
  }
  ssize_t Write(const iovec* pieces, int count) override {
    msghdr message{};
    message.msg_iov = const_cast<iovec*>(pieces);
    message.msg_iovlen = static_cast<size_t>(count);
    return sendmsg(fd_, &message, MSG_NOSIGNAL);
  }
  bool ShortReadDrains() const override { return true; }
  bool HasBuffered() const override { return false; }

 private:
  const int fd_;
};

}  // namespace troupe
