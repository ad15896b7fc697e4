#include "net/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace troupe {
namespace {

// Drains OpenSSL's error queue of this thread into one line.
std::string OpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    absl::StrAppend(&text, text.empty() ? "" : "; ", buffer);
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

// Refuses to ask for a passphrase: a task must never wait on a terminal.
int NoPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

absl::StatusOr<TlsContext> MakeTlsContext(const TlsFiles& files) {
  ERR_clear_error();
  TlsContext context(SSL_CTX_new(TLS_method()), &SSL_CTX_free);
  if (!context) {
    return absl::InternalError(
        absl::StrCat("Cannot create a TLS context: ", OpenSslErrors()));
  }
  SSL_CTX_set_default_passwd_cb(context.get(), &NoPassphrase);
  auto cannot_load = [](const char* what, const std::string& path) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Cannot load the TLS ", what, " ", path, ": ", OpenSslErrors()));
  };
  if (SSL_CTX_use_certificate_chain_file(context.get(),
                                         files.certificate.c_str()) != 1) {
    return cannot_load("certificate", files.certificate);
  }
  if (SSL_CTX_use_PrivateKey_file(context.get(), files.key.c_str(),
                                  SSL_FILETYPE_PEM) != 1) {
    return cannot_load("key (PEM, unencrypted, of the certificate)", files.key);
  }
  if (SSL_CTX_load_verify_locations(context.get(), files.ca.c_str(), nullptr) !=
      1) {
    return cannot_load("CA certificate", files.ca);
  }
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(context.get(),
                     SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  SSL_CTX_set_mode(context.get(), SSL_MODE_ENABLE_PARTIAL_WRITE |
                                      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A peer that closes its socket without TLS's close_notify ends the
  // stream like any other close.
  SSL_CTX_set_options(context.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
  return context;
}

TlsStream::TlsStream(const TlsContext& context, int fd, Role role)
    : context_(context), ssl_(SSL_new(context.get())) {
  SSL_set_fd(ssl_, fd);
  if (role == Role::kClient) {
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

absl::StatusOr<bool> TlsStream::Handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) return true;
  const int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    wants_write_ = error == SSL_ERROR_WANT_WRITE;
    return false;
  }
  return absl::UnavailableError(
      absl::StrCat("TLS handshake failed: ",
                   error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0
                       ? "the peer closed the connection"
                       : OpenSslErrors()));
}

ssize_t TlsStream::Read(char* data, size_t size) {
  ERR_clear_error();
  return Outcome(
      SSL_read(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 30))));
}

ssize_t TlsStream::Write(const iovec* pieces, int count) {
  ssize_t written = 0;
  for (int i = 0; i < count; ++i) {
    ERR_clear_error();
    const ssize_t result = Outcome(SSL_write(
        ssl_, pieces[i].iov_base,
        static_cast<int>(std::min<size_t>(pieces[i].iov_len, 1 << 30))));
    if (result < 0) return written > 0 ? written : result;
    written += result;
    if (static_cast<size_t>(result) < pieces[i].iov_len) break;
  }
  return written;
}

bool TlsStream::HasBuffered() const { return SSL_pending(ssl_) > 0; }

ssize_t TlsStream::Outcome(int result) {
  if (result > 0) return result;
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_SYSCALL:
      if (errno == 0) errno = ECONNRESET;
      return -1;
    default:
      last_error_ = OpenSslErrors();
      errno = EPROTO;
      return -1;
  }
}

std::string TlsStream::ErrorText(int error) const {
  return error == EPROTO && !last_error_.empty() ? last_error_
                                                 : std::strerror(error);
}

}  // namespace troupe
