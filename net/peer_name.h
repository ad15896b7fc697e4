// How logs name the other end of a connection: "HOST:PORT", "[HOST]:PORT"
// for IPv6, from the address accept() gave.
#pragma once

#include <sys/socket.h>

#include <string>

namespace troupe {

std::string DescribeAddress(const sockaddr_storage& address, socklen_t length);

}  // namespace troupe
