// Resolves a task's address to a socket address, for the sockets of Troupe's
// wire (a task's listener, a client's connection) and for the cluster spec's
// check that no two tasks share an address.
#pragma once

#include <sys/socket.h>

#include <string>

#include "absl/status/statusor.h"

#include "config/cluster_spec.h"

namespace troupe {

// A socket address as bind() and connect() take it.
struct SocketAddress {
  int family() const { return storage.ss_family; }
  const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage);
  }

  sockaddr_storage storage{};
  socklen_t length = 0;
};

// What the resolved address is for: "*" stands for every local address when
// listening, for the loopback address when connecting.
enum class AddressUse { kConnect, kListen };

// The first stream socket address of `address` (getaddrinfo). UNAVAILABLE with
// the resolver's reason as the message, e.g. "Name or service not known", for
// the caller to say what it could not do.
absl::StatusOr<SocketAddress> ResolveTaskAddress(const TaskAddress& address,
                                                 AddressUse use);

// "127.0.0.1:2222" or "[::1]:2222": the numeric form of `address`.
std::string NumericAddress(const SocketAddress& address);

}  // namespace troupe
