// `troupe ctl watch`: a terminal view of tasks and their resources, redrawn
// every second like `top`: each task's state, memory and traffic, each
// queue's fill as "5/10" with a bar and its rates in and out.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

#include "cli/task_stats.h"

namespace troupe::cli {

// The screen for `now`, with rates over the `elapsed` time since `before`
// (empty on the first screen: no rates yet), `width` columns wide, each
// line ending in "\n".
std::string RenderWatch(const std::vector<TaskStats>& now,
                        const std::vector<TaskStats>& before,
                        absl::Duration elapsed, int width);

// Redraws RenderWatch(gather()) on stdout every `interval` until the user
// types q (or Q) or interrupts it (SIGINT, SIGTERM); the terminal is left
// as it was. Returns the exit status: 0.
int RunWatch(const std::function<std::vector<TaskStats>()>& gather,
             absl::Duration interval);

}  // namespace troupe::cli
