#include "net/connect.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

#include "config/resolve.h"

namespace troupe {

absl::StatusOr<Fd> OpenConnection(const TaskAddress& address,
                                  absl::Duration timeout) {
  auto unavailable = [&address](absl::string_view why) {
    return absl::UnavailableError(absl::StrCat("Cannot connect to task at ",
                                               address.ToString(), ": ", why));
  };
  absl::StatusOr<SocketAddress> resolved =
      ResolveTaskAddress(address, AddressUse::kConnect);
  if (!resolved.ok()) return unavailable(resolved.status().message());
  Fd fd(socket(resolved->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
               0));
  if (!fd.valid()) return unavailable(std::strerror(errno));
  int error = 0;
  if (connect(fd.get(), resolved->get(), resolved->length) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      pollfd connecting{fd.get(), POLLOUT, 0};
      const int ready = poll(
          &connecting, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
      socklen_t length = sizeof(error);
      if (ready <= 0) {
        error = ETIMEDOUT;
      } else if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) !=
                 0) {
        error = errno;
      }
    }
  }
  if (error == ETIMEDOUT) {
    return unavailable(
        absl::StrCat("no answer within ", absl::FormatDuration(timeout)));
  }
  if (error != 0) return unavailable(std::strerror(error));
  const int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace troupe
