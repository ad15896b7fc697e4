#include "net/local_socket.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

#include "config/resolve.h"

namespace troupe {
namespace {

// The socket address of LocalSocketName(port), and its length.
socklen_t LocalAddress(uint16_t port, sockaddr_un& address) {
  const std::string name = LocalSocketName(port);
  address = sockaddr_un{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, name.data(), name.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
}

// Whether the socket addresses `a` and `b` hold the same IP address.
bool SameHost(const sockaddr* a, const sockaddr* b) {
  if (a->sa_family != b->sa_family) return false;
  if (a->sa_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(a)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(b)->sin_addr.s_addr;
  }
  return a->sa_family == AF_INET6 &&
         std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr,
                     &reinterpret_cast<const sockaddr_in6*>(b)->sin6_addr,
                     sizeof(in6_addr)) == 0;
}

}  // namespace

std::string LocalSocketName(uint16_t port) {
  return absl::StrCat(std::string(1, '\0'), "troupe.", port);
}

absl::StatusOr<Listener> ListenLocal(uint16_t port) {
  Listener listener;
  listener.socket =
      Fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_un address;
  const socklen_t length = LocalAddress(port, address);
  if (!listener.socket.valid() ||
      bind(listener.socket.get(), reinterpret_cast<sockaddr*>(&address),
           length) != 0 ||
      listen(listener.socket.get(), SOMAXCONN) != 0) {
    return absl::UnavailableError(
        absl::StrCat("Cannot serve on the Unix socket for port ", port, ": ",
                     std::strerror(errno)));
  }
  listener.port = port;
  return listener;
}

absl::StatusOr<Fd> ConnectLocal(uint16_t port) {
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_un address;
  const socklen_t length = LocalAddress(port, address);
  if (!fd.valid() ||
      connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
    return absl::UnavailableError(
        absl::StrCat("Cannot connect to the Unix socket for port ", port, ": ",
                     std::strerror(errno)));
  }
  return fd;
}

absl::StatusOr<uid_t> PeerUid(int fd) {
  ucred credentials{};
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    return absl::UnavailableError(
        absl::StrCat("Cannot tell the uid of the Unix socket's peer: ",
                     std::strerror(errno)));
  }
  return credentials.uid;
}

bool IsLocalAddress(const TaskAddress& address) {
  absl::StatusOr<SocketAddress> resolved =
      ResolveTaskAddress(address, AddressUse::kConnect);
  if (!resolved.ok()) return false;
  const sockaddr* target = resolved->get();
  if (target->sa_family == AF_INET) {
    const uint32_t ip =
        ntohl(reinterpret_cast<const sockaddr_in*>(target)->sin_addr.s_addr);
    if ((ip >> 24) == 127) return true;
  } else if (target->sa_family == AF_INET6) {
    const in6_addr& ip =
        reinterpret_cast<const sockaddr_in6*>(target)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&ip)) return true;
  }
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return false;
  bool local = false;
  for (ifaddrs* i = interfaces; i != nullptr && !local; i = i->ifa_next) {
    local = i->ifa_addr != nullptr && SameHost(i->ifa_addr, target);
  }
  freeifaddrs(interfaces);
  return local;
}

}  // namespace troupe
