// SpinThenWait and SpinThenPoll: waits for a socket that poll briefly before
// they block, for the threads of the wire (a task's I/O thread, a client
// waiting for its reply).
#pragma once

#include <poll.h>
#include <sys/epoll.h>

namespace troupe {

// epoll_wait on `epoll_fd` that polls for up to 100 us before it blocks for
// up to `timeout_ms` (-1: no limit; 0: one look, no polling): waking a blocked
// thread costs more than a request's round trip on a virtual machine, and the
// next request often comes within that time. Between polls it yields, so that
// the process's other threads get the CPU first.
int SpinThenWait(int epoll_fd, epoll_event* events, int size, int timeout_ms);

// poll() of one descriptor, polling in the same way before it blocks for up
// to `timeout_ms`.
int SpinThenPoll(pollfd* fd, int timeout_ms);

}  // namespace troupe
