#include "net/peer_name.h"

#include <netdb.h>

#include "config/cluster_spec.h"

namespace troupe {

std::string DescribeAddress(const sockaddr_storage& address, socklen_t length) {
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host,
                  sizeof(host), port, sizeof(port),
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "an unknown address";
  }
  return TaskAddress{host, static_cast<uint16_t>(std::stoi(port))}.ToString();
}

}  // namespace troupe
