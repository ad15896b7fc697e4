// The loop of `troupe up`: runs its tasks as child processes, forwards their
// output line by line under their names, restarts them as a RestartPolicy
// says, and stops them all on SIGINT or SIGTERM.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cli/restart_policy.h"
#include "config/cluster_spec.h"

namespace troupe::cli {

struct SupervisedTask {
  TaskId id;
  std::string address;            // "host:port", for the log
  std::vector<std::string> argv;  // its `troupe task` command line
};

struct SupervisorOptions {
  RestartOptions restart;
  // How long the tasks get to stop after SIGTERM before SIGKILL.
  std::chrono::steady_clock::duration stop_grace = std::chrono::seconds(10);
};

// Starts every task and supervises them until none is left to run; returns
// up's exit status: 0 when SIGINT or SIGTERM stopped every task cleanly, 1
// when a task stayed down or had to be killed, when the restart intensity was
// passed, or when no task could be started. The first SIGINT or SIGTERM sends
// SIGTERM to every task and SIGKILL to those left after the grace period; a
// second one sends SIGKILL at once. A pending restart is dropped by either.
// Must run on the thread that lives as long as the process (see SpawnTask).
int Supervise(const std::vector<SupervisedTask>& tasks,
              const SupervisorOptions& options);

}  // namespace troupe::cli
