// TLS on Troupe's wire: the context a node makes from its TlsFiles (mutual
// TLS: each side presents a certificate that the CA signed; no host name
// check), and the TLS stream of one connection on a non-blocking socket.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "config/tls_files.h"
#include "net/byte_stream.h"

struct ssl_ctx_st;
struct ssl_st;

namespace troupe {

using TlsContext = std::shared_ptr<ssl_ctx_st>;

// INVALID_ARGUMENT naming the file and OpenSSL's reason when a file does not
// load: the certificate, the unencrypted key of that certificate, the CA.
absl::StatusOr<TlsContext> MakeTlsContext(const TlsFiles& files);

class TlsStream final : public ByteStream {
 public:
  enum class Role { kClient, kServer };

  // TLS over `fd` (not owned).
  TlsStream(const TlsContext& context, int fd, Role role);
  ~TlsStream() override;
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Moves the TLS handshake on: true once it is done, false while it waits
  // for the socket (readable, or writable when wants_write()).
  // UNAVAILABLE "TLS handshake failed: <OpenSSL's reason>" when the peer is
  // refused or refuses.
  absl::StatusOr<bool> Handshake();
  bool wants_write() const { return wants_write_; }

  ssize_t Read(char* data, size_t size) override;
  ssize_t Write(const iovec* pieces, int count) override;
  bool ShortReadDrains() const override { return false; }
  bool HasBuffered() const override;
  std::string ErrorText(int error) const override;

 private:
  // recv/send's result for `result` of an SSL call (sets errno).
  ssize_t Outcome(int result);

  TlsContext context_;
  ssl_st* ssl_;
  bool wants_write_ = false;
  // OpenSSL's reason for the last failure, if it gave one.
  std::string last_error_;
};

}  // namespace troupe
