// SpinThenWait: epoll_wait for an I/O thread that answers requests, polling
// briefly before it blocks.
#pragma once

#include <sys/epoll.h>

namespace troupe {

// epoll_wait on `epoll_fd` that polls for up to 100 us before it blocks for
// up to `timeout_ms` (-1: no limit): waking a blocked thread costs more than
// a request's round trip on a virtual machine, and the next request often
// comes within that time. Between polls it yields, so that the process's
// other threads get the CPU first.
int SpinThenWait(int epoll_fd, epoll_event* events, int size, int timeout_ms);

}  // namespace troupe
