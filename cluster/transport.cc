#include "cluster/transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"
#include "caf/openssl/publish.hpp"
#include "caf/openssl/remote_actor.hpp"
#include "caf/sec.hpp"

#include "base/status_macros.h"
#include "config/resolve.h"

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

absl::Status CheckTlsFiles(const TlsFiles& files) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(
      SSL_CTX_new(TLS_method()), &SSL_CTX_free);
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
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> PublishTask(caf::actor_system& system,
                                     const TaskActor& task,
                                     const TaskAddress& address) {
  auto port =
      system.has_openssl_manager()
          ? caf::openssl::publish(task, address.port, address.host.c_str(),
                                  /*reuse=*/true)
          : system.middleman().publish(task, address.port, address.host.c_str(),
                                       /*reuse=*/true);
  if (!port) {
    return absl::UnavailableError(absl::StrCat("Cannot serve on ",
                                               address.ToString(), ": ",
                                               system.render(port.error())));
  }
  return *port;
}

absl::Status ProbeTask(const TaskAddress& address, absl::Duration timeout) {
  auto unavailable = [&address](absl::string_view why) {
    return absl::UnavailableError(absl::StrCat("Cannot connect to task at ",
                                               address.ToString(), ": ", why));
  };
  absl::StatusOr<SocketAddress> resolved =
      ResolveTaskAddress(address, AddressUse::kConnect);
  if (!resolved.ok()) return unavailable(resolved.status().message());
  const int fd =
      socket(resolved->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return unavailable(std::strerror(errno));
  int error = 0;
  if (connect(fd, resolved->get(), resolved->length) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      pollfd connecting{fd, POLLOUT, 0};
      const int ready = poll(
          &connecting, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
      socklen_t length = sizeof(error);
      if (ready <= 0) {
        error = ETIMEDOUT;
      } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        error = errno;
      }
    }
  }
  close(fd);
  if (error == ETIMEDOUT) {
    return unavailable(
        absl::StrCat("no answer within ", absl::FormatDuration(timeout)));
  }
  if (error != 0) return unavailable(std::strerror(error));
  return absl::OkStatus();
}

absl::StatusOr<TaskActor> ConnectToTask(caf::actor_system& system,
                                        const TaskAddress& address,
                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  TROUPE_RETURN_IF_ERROR(ProbeTask(address, timeout));
  const bool tls = system.has_openssl_manager();
  for (;;) {
    auto task = tls ? caf::openssl::remote_actor<TaskActor>(
                          system, address.host, address.port)
                    : system.middleman().remote_actor<TaskActor>(address.host,
                                                                 address.port);
    if (task) return *task;
    // CAF 0.17.6 starts a new outgoing connection's "last seen" at the clock's
    // epoch, so the middleman's next heartbeat tick (every
    // heartbeat_interval) drops it as timed out unless the task's handshake
    // came first: on a busy machine a connect failed after 0-0.5 s instead of
    // the connect timeout. Each try gets a new window until the deadline.
    if (task.error() == caf::sec::connection_timeout &&
        absl::Now() < deadline) {
      continue;
    }
    // A TLS peer that refuses this node's certificate, or a task that speaks
    // TLS to a plaintext client, hangs up during the handshake.
    const char* hint = "";
    if (task.error() == caf::sec::disconnect_during_handshake) {
      hint = tls ? " (the task refused this node's certificate, or does not "
                   "speak TLS)"
                 : " (the task may require TLS: give its cluster spec or the "
                   "TLS files)";
    }
    return absl::UnavailableError(
        absl::StrCat("Cannot connect to task at ", address.ToString(), ": ",
                     system.render(task.error()), hint));
  }
}

}  // namespace troupe
