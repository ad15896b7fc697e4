// Starts one `troupe task` process for `troupe up`: its stdout and stderr on a
// pipe that only up holds, and killed when up dies (even by SIGKILL).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe::cli {

struct SpawnedTask {
  pid_t pid = -1;
  int output = -1;  // Non-blocking read end of its stdout and stderr.
};

// Runs argv[0] (a path) with `argv` and up's environment, where the
// NAME=VALUE entries of `environment` are added (replacing those of the same
// NAME): stdin is up's, stdout and stderr a new
// pipe, every other descriptor closed, every signal unblocked and SIGINT,
// SIGTERM, SIGPIPE and SIGCHLD at their default disposition. The child gets
// PR_SET_PDEATHSIG SIGKILL, which fires when the *thread* that forked it
// ends: call this from the thread that lives as long as up (its main thread).
// INTERNAL if the pipe or the fork fails; a failed exec is exit status 127.
absl::StatusOr<SpawnedTask> SpawnTask(
    const std::vector<std::string>& argv,
    const std::vector<std::string>& environment = {});

}  // namespace troupe::cli
