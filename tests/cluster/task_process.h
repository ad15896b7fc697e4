// Helpers for the process-level integration tests, on support/: a temporary
// directory, child processes with bounded waits (a `troupe task` waited for by
// its "serving on" log line, a `troupe ctl` run to completion with its output
// captured), and a local cluster of real task processes.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

#include "config/cluster_spec.h"
#include "support/loopback.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace troupe {
namespace testing {

// The `troupe` binary: $TROUPE_BIN, else <build>/bin/troupe next to the
// test binary's <build>/tests/.
std::string TroupeBinary();

// Evaluates `condition` again and again until it holds (true) or `timeout`
// passes (false). Meant for conditions that ask a task (a round trip each),
// so it yields between evaluations rather than sleeping.
bool WaitUntil(const std::function<bool()>& condition,
               absl::Duration timeout = absl::Seconds(15));

// Loopback sockets (support/loopback.h), under the names the tests use.
using support::ConnectToLoopback;
using support::FreePorts;
using support::ListenOnLoopback;
using support::TempDir;

// Memory of process `pid` from /proc, in bytes (-1 if unknown): what it
// holds in RAM now, and the most it held since it started or since
// ResetPeakResident (which the owner of a process may do).
int64_t ResidentBytes(pid_t pid);
int64_t PeakResidentBytes(pid_t pid);
bool ResetPeakResident(pid_t pid);

// What a finished command did.
struct CommandResult {
  int exit_code = -1;   // The exit status, or -1 when it did not exit normally.
  int term_signal = 0;  // The signal that ended it, if one did.
  bool timed_out = false;
  std::string out;
  std::string err;

  bool ok() const { return exit_code == 0; }
  // Stderr's first line, without its newline.
  std::string FirstErrLine() const;
  // Every line of `text`, without newlines (a last line without one too).
  static std::vector<std::string> Lines(const std::string& text);
  // A one-paragraph summary for failure messages.
  std::string Describe() const;
};

// Runs `argv` (argv[0] is the program's path) with `input` on its stdin and
// its stdout and stderr captured. Past `timeout` the command is killed and
// `timed_out` is set.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::string& input = "",
                         absl::Duration timeout = absl::Seconds(15));
// RunCommand of the troupe binary with `args`.
CommandResult RunTroupe(const std::vector<std::string>& args,
                        const std::string& input = "",
                        absl::Duration timeout = absl::Seconds(15));
// `troupe ctl --target TARGET ARGS...`.
CommandResult RunCtl(const std::string& target,
                     const std::vector<std::string>& args,
                     const std::string& input = "",
                     absl::Duration timeout = absl::Seconds(15));

// A child process whose stdout and stderr go to a log file. The destructor
// kills it (SIGKILL) and reaps it.
class Process {
 public:
  // Starts `argv`; check started().
  Process(const std::vector<std::string>& argv, std::string log_path);

  bool started() const { return child_ && child_->started(); }
  pid_t pid() const { return child_ ? child_->pid() : -1; }
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;

  // Waits until the log contains every one of `needles` (true), or the
  // process exits or `timeout` passes without it (false). Woken by inotify
  // and by the process's exit, never by a fixed sleep.
  bool WaitForLog(const std::vector<std::string>& needles,
                  absl::Duration timeout = absl::Seconds(20));
  void Signal(int signal_number);
  // Waits up to `timeout` for the process to exit; its wait status if it did.
  std::optional<int> WaitExit(absl::Duration timeout);
  // True while the process has not exited (reaps it if it has).
  bool Running();
  // Sends `signal_number`, waits up to `grace`, then SIGKILLs; returns the
  // wait status.
  int Stop(int signal_number = SIGTERM,
           absl::Duration grace = absl::Seconds(10));

 private:
  std::string log_path_;
  std::unique_ptr<support::Subprocess> child_;
};

// A `troupe task --cluster FILE --job JOB --task INDEX [EXTRA...]` process.
class TaskProcess {
 public:
  TaskProcess(const std::string& cluster_file, const std::string& job,
              int index, const std::string& log_path,
              const std::vector<std::string>& extra_args = {});

  // Waits (bounded) for the task's "serving on" line.
  bool WaitReady(absl::Duration timeout = absl::Seconds(20));
  Process& process() { return process_; }
  std::string Log() const { return process_.Log(); }

 private:
  Process process_;
};

// A cluster spec on free loopback ports, written to a temporary directory,
// with some of its tasks running as real `troupe task` processes.
class LocalCluster {
 public:
  // `jobs`: job name -> number of tasks. Starts every task when `start`.
  // Picks new ports and tries again if a task could not bind its port.
  // `spec_extra` is added to the spec's top-level object after "cluster",
  // e.g. R"("tls": {...})".
  explicit LocalCluster(std::vector<std::pair<std::string, int>> jobs = {{"ps",
                                                                          1}},
                        bool start = true, std::string spec_extra = "");
  ~LocalCluster();

  // True when every task that was to start is serving.
  bool ready() const { return ready_; }
  // Why it is not ready: the logs of the tasks.
  std::string Describe() const;
  const std::string& spec_path() const { return spec_path_; }
  TempDir& dir() { return dir_; }
  // "127.0.0.1:PORT" of a task.
  std::string target(const std::string& job = "ps", int index = 0) const;
  // The PORT of that target; 0 if there is no such task.
  uint16_t port(const std::string& job = "ps", int index = 0) const;
  // That target as the wire's clients take it (port 0 if there is no such
  // task).
  TaskAddress address(const std::string& job = "ps", int index = 0) const;
  // The running task process, or null.
  TaskProcess* task(const std::string& job = "ps", int index = 0);
  // The --data-dir each task gets, in the temporary directory; it exists
  // before the task starts.
  std::string data_dir(const std::string& job = "ps", int index = 0) const;

 private:
  bool StartAll();

  TempDir dir_;
  std::vector<std::pair<std::string, int>> jobs_;
  std::string spec_extra_;
  std::vector<std::pair<std::string, uint16_t>>
      addresses_;  // "job:index" -> port
  std::vector<std::pair<std::string, std::unique_ptr<TaskProcess>>> tasks_;
  std::string spec_path_;
  bool ready_ = false;
};

}  // namespace testing
}  // namespace troupe
