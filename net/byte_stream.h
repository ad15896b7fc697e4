// ByteStream: the bytes of one connection, over plain TCP or a Unix socket
// (PlainStream) or TLS (tls_stream.h), with recv's and sendmsg's
// conventions: a count, 0 at the end of the stream, or -1 with errno
// (EAGAIN: nothing can move now).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <deque>
#include <string>

#include "absl/types/span.h"

#include "net/fd.h"

namespace troupe {

class ByteStream {
 public:
  virtual ~ByteStream() = default;

  virtual ssize_t Read(char* data, size_t size) = 0;
  virtual ssize_t Write(const iovec* pieces, int count) = 0;
  // Read, appending the descriptors that came with the bytes (SCM_RIGHTS)
  // to `descriptors`. Only a Unix socket carries them; others just Read.
  virtual ssize_t ReadWithDescriptors(char* data, size_t size,
                                      std::deque<Fd>& descriptors) {
    static_cast<void>(descriptors);
    return Read(data, size);
  }
  // Write, sending `descriptors` with the first byte. A stream that carries
  // none fails with EPROTO when given some.
  virtual ssize_t WriteWithDescriptors(const iovec* pieces, int count,
                                       absl::Span<const int> descriptors) {
    if (!descriptors.empty()) {
      errno = EPROTO;
      return -1;
    }
    return Write(pieces, count);
  }
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

// Plain bytes on a socket that the stream does not own: TCP, or a Unix
// socket, which also carries descriptors.
class PlainStream final : public ByteStream {
 public:
  explicit PlainStream(int fd) : fd_(fd) {}

  ssize_t Read(char* data, size_t size) override {
    return recv(fd_, data, size, 0);
  }
  ssize_t Write(const iovec* pieces, int count) override {
    return WriteWithDescriptors(pieces, count, {});
  }
  // A read that brings more descriptors than a frame may send
  // (kMaxDescriptorsPerFrame) fails with EMSGSIZE; the kernel closed them.
  ssize_t ReadWithDescriptors(char* data, size_t size,
                              std::deque<Fd>& descriptors) override;
  ssize_t WriteWithDescriptors(const iovec* pieces, int count,
                               absl::Span<const int> descriptors) override;
  bool ShortReadDrains() const override { return true; }
  bool HasBuffered() const override { return false; }

 private:
  const int fd_;
};

}  // namespace troupe
