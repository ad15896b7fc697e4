#include "net/byte_stream.h"

#include <cerrno>
#include <vector>

#include "serialization/wire_format.h"

namespace troupe {
namespace {

constexpr size_t kControlBytes =
    CMSG_SPACE(sizeof(int) * kMaxDescriptorsPerFrame);

}  // namespace

ssize_t PlainStream::ReadWithDescriptors(char* data, size_t size,
                                         std::deque<Fd>& descriptors) {
  alignas(cmsghdr) char control[kControlBytes];
  iovec piece{data, size};
  msghdr message{};
  message.msg_iov = &piece;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  const ssize_t count = recvmsg(fd_, &message, MSG_CMSG_CLOEXEC);
  if (count < 0) return count;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    const size_t fds = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < fds; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
      descriptors.emplace_back(fd);
    }
  }
  if (message.msg_flags & MSG_CTRUNC) {
    errno = EMSGSIZE;
    return -1;
  }
  return count;
}

ssize_t PlainStream::WriteWithDescriptors(const iovec* pieces, int count,
                                          absl::Span<const int> descriptors) {
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(pieces);
  message.msg_iovlen = static_cast<size_t>(count);
  std::vector<char> control;
  if (!descriptors.empty()) {
    control.resize(CMSG_SPACE(sizeof(int) * descriptors.size()));
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * descriptors.size());
    std::memcpy(CMSG_DATA(header), descriptors.data(),
                sizeof(int) * descriptors.size());
  }
  return sendmsg(fd_, &message, MSG_NOSIGNAL);
}

}  // namespace troupe
