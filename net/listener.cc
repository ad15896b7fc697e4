#include "net/listener.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

#include "config/resolve.h"

namespace troupe {

absl::StatusOr<Listener> Listen(const TaskAddress& address) {
  auto cannot_serve = [&](absl::string_view reason) {
    return absl::UnavailableError(
        absl::StrCat("Cannot serve on ", address.ToString(), ": ", reason));
  };
  absl::StatusOr<SocketAddress> at =
      ResolveTaskAddress(address, AddressUse::kListen);
  if (!at.ok()) return cannot_serve(at.status().message());
  Listener listener;
  listener.socket =
      Fd(socket(at->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int fd = listener.socket.get();
  const int one = 1;
  if (fd < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, at->get(), at->length) != 0 || listen(fd, SOMAXCONN) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&at->storage), &at->length) !=
          0) {
    return cannot_serve(std::strerror(errno));
  }
  const auto& bound = at->storage;
  listener.port =
      ntohs(bound.ss_family == AF_INET6
                ? reinterpret_cast<const sockaddr_in6&>(bound).sin6_port
                : reinterpret_cast<const sockaddr_in&>(bound).sin_port);
  return listener;
}

}  // namespace troupe
