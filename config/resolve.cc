#include "config/resolve.h"

#include <netdb.h>

#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"

namespace troupe {

absl::StatusOr<SocketAddress> ResolveTaskAddress(const TaskAddress& address,
                                                 AddressUse use) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = use == AddressUse::kListen ? AI_PASSIVE : 0;
  addrinfo* found = nullptr;
  if (const int error =
          getaddrinfo(address.host.c_str(),
                      std::to_string(address.port).c_str(), &hints, &found);
      error != 0) {
    return absl::UnavailableError(gai_strerror(error));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found,
                                                           &freeaddrinfo);
  SocketAddress resolved;
  std::memcpy(&resolved.storage, found->ai_addr, found->ai_addrlen);
  resolved.length = found->ai_addrlen;
  return resolved;
}

std::string NumericAddress(const SocketAddress& address) {
  char host[NI_MAXHOST] = {};
  char port[NI_MAXSERV] = {};
  if (getnameinfo(address.get(), address.length, host, sizeof(host), port,
                  sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  return address.family() == AF_INET6 ? absl::StrCat("[", host, "]:", port)
                                      : absl::StrCat(host, ":", port);
}

}  // namespace troupe
