// Whether a process that is not one's own child (a task that `troupe up`
// started) has exited, read from /proc.
#pragma once

#include <sys/types.h>

#include <string>

namespace troupe::support {

// True once process `pid`, whose command line names `marker` (e.g. its
// cluster spec's path), has exited: no such process, a zombie that whoever
// adopted it has not reaped yet, or another process that got its pid since
// (its command line does not name `marker`).
bool ProcessGone(pid_t pid, const std::string& marker);

}  // namespace troupe::support
