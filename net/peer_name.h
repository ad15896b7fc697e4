// How logs name the other end of a connection: "HOST:PORT", "[HOST]:PORT"
// for IPv6.
#pragma once

#include <sys/socket.h>

#include <string>

namespace troupe {

std::string DescribeAddress(const sockaddr_storage& address, socklen_t length);

// The peer of connected socket `fd`.
std::string PeerName(int fd);

}  // namespace troupe
