// The cluster spec (job -> task index -> "host:port", and the files of mutual
// TLS when the cluster uses it), task names such as "/job:ps/task:0", task
// addresses, and TensorFlow's TF_CONFIG variable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "config/tls_files.h"

namespace troupe {

// Where a task listens. `host` is kept without brackets, so an IPv6 address
// is stored as "::1" and printed as "[::1]:2222".
struct TaskAddress {
  std::string host;
  uint16_t port = 0;

  // Returns "host:port", or "[host]:port" when the host contains a ':'.
  std::string ToString() const;

  friend bool operator==(const TaskAddress& a, const TaskAddress& b) {
    return a.host == b.host && a.port == b.port;
  }
  friend bool operator!=(const TaskAddress& a, const TaskAddress& b) {
    return !(a == b);
  }
};

// One task of the cluster: a job name and an index within that job.
struct TaskId {
  std::string job;
  int index = 0;

  // Returns the task's device name, "/job:ps/task:0".
  std::string ToDevice() const;

  friend bool operator==(const TaskId& a, const TaskId& b) {
    return a.job == b.job && a.index == b.index;
  }
  friend bool operator!=(const TaskId& a, const TaskId& b) { return !(a == b); }
  // Orders by job name, then by index.
  friend bool operator<(const TaskId& a, const TaskId& b) {
    return a.job != b.job ? a.job < b.job : a.index < b.index;
  }
};

// The deepest nesting of arrays and objects a cluster spec or TF_CONFIG may
// have (a spec needs 3; the bound keeps deep input from being built at all).
inline constexpr int kMaxClusterSpecDepth = 64;

// Parses "host:port" or "[ipv6]:port". The port must be 1..65535 in decimal;
// an unbracketed host may not contain ':'.
// Returns INVALID_ARGUMENT, naming `text` and the fault, for anything else.
absl::StatusOr<TaskAddress> ParseTaskAddress(absl::string_view text);

// Parses a device name into the task it names: "/job:ps/task:0", also
// "/job:ps/replica:0/task:0", optionally followed by a device part
// "/device:CPU:0", "/cpu:0" or "/gpu:0" that is ignored. Troupe has one replica
// per task, so only replica 0 is accepted.
// Returns INVALID_ARGUMENT "Invalid device name '<d>'; expected
// /job:JOB/task:INDEX" for anything else.
absl::StatusOr<TaskId> ParseDevice(absl::string_view device);

// Returns OK if `job` is a valid job name: non-empty; letters, digits, '_'
// and '-' only. Else INVALID_ARGUMENT naming the job.
absl::Status ValidateJobName(absl::string_view job);

// An immutable, validated map from job name to task index to address.
// Invariants (checked by every factory): at least one job; every job name is
// valid; every job has at least one task; indices are non-negative; every
// address has a non-empty host and a port in 1..65535; no two tasks share an
// address (host compared case-insensitively, so "localhost:1" and
// "127.0.0.1:1" are not recognised as the same). A default-constructed spec
// is empty and is only a placeholder to assign to.
// Thread safety: const methods may be called concurrently.
class ClusterSpec {
 public:
  using Jobs = std::map<std::string, std::map<int, TaskAddress>>;

  ClusterSpec() = default;

  // Builds a spec from jobs, checking the invariants above.
  // Returns INVALID_ARGUMENT naming the fault.
  static absl::StatusOr<ClusterSpec> FromJobs(Jobs jobs);

  // Parses the text of a cluster spec. Accepted forms:
  //   {"cluster": {"ps": ["h:p"], "worker": ["h:p", "h:p"]}}
  //   {"ps": ["h:p"], "worker": [...]}               (the bare inner object)
  //   {"worker": {"1": "h:p", "3": "h:p"}}            (TF's sparse form)
  //   {"cluster": {...}, "task": {...}, ...}          (TF_CONFIG; only the
  //                                                    cluster is read here)
  //   {"cluster": {...}, "tls": {"certificate": PATH, "key": PATH,
  //                              "ca": PATH}}        (mutual TLS)
  //   {"cluster": {...}, "heartbeat_timeout": "4s"}  (when a silent peer is
  //                                                    lost; 10ms..1h)
  // The wrapped form is chosen whenever the top level has a "cluster" key, so
  // in the bare form no job may be named "cluster"; nor "tls", which is only
  // read in the wrapped form and needs all three non-empty paths. A JSON object
  // with a repeated key is rejected (nlohmann would silently keep the last
  // one). Returns INVALID_ARGUMENT "Invalid cluster spec: <fault>" on bad JSON
  // (with line and column), nesting deeper than kMaxClusterSpecDepth, no jobs,
  // a job with no tasks, a bad job name or index, a non-string address, a bad
  // address, or a duplicate address.
  static absl::StatusOr<ClusterSpec> Parse(absl::string_view json_text);

  // Reads the file at `path` and parses it as Parse does; relative TLS paths
  // are taken from the directory of `path`. Every error message
  // starts with "cluster spec <path>: ". Returns NOT_FOUND if the file does
  // not exist, INVALID_ARGUMENT if it cannot be read (permissions, a
  // directory, an I/O error) and every INVALID_ARGUMENT of Parse.
  static absl::StatusOr<ClusterSpec> LoadFile(const std::string& path);

  const Jobs& jobs() const { return jobs_; }
  // The TLS files every node of the cluster uses; none: plaintext.
  const std::optional<TlsFiles>& tls() const { return tls_; }
  // How long every node of the cluster waits for a silent peer before it is
  // lost; none: the default of NodeOptions.
  const std::optional<absl::Duration>& heartbeat_timeout() const {
    return heartbeat_timeout_;
  }

  // Returns every task, sorted by job name, then by index.
  std::vector<TaskId> Tasks() const;

  // Returns the address of `task`, or NOT_FOUND
  // "No task /job:x/task:3 in the cluster spec (jobs: ps, worker)".
  absl::StatusOr<TaskAddress> Address(const TaskId& task) const;

  // Returns {"cluster": {...}} (and "tls", "heartbeat_timeout", if set) on
  // one line, which Parse
  // reads back to an equal spec. A job whose indices are 0..n-1 is written as a
  // list, any other job in TF's sparse form {"1": "h:p"}. Never throws: a TLS
  // path that is not valid UTF-8 (its directory came from the command line)
  // is written with U+FFFD for each invalid byte, and so is not read back.
  std::string ToJson() const;

  friend bool operator==(const ClusterSpec& a, const ClusterSpec& b) {
    return a.jobs_ == b.jobs_ && a.tls_ == b.tls_ &&
           a.heartbeat_timeout_ == b.heartbeat_timeout_;
  }
  friend bool operator!=(const ClusterSpec& a, const ClusterSpec& b) {
    return !(a == b);
  }

 private:
  ClusterSpec(Jobs jobs, std::optional<TlsFiles> tls,
              std::optional<absl::Duration> heartbeat_timeout)
      : jobs_(std::move(jobs)),
        tls_(std::move(tls)),
        heartbeat_timeout_(heartbeat_timeout) {}

  Jobs jobs_;
  std::optional<TlsFiles> tls_;
  std::optional<absl::Duration> heartbeat_timeout_;
};

// TensorFlow's TF_CONFIG environment variable: the cluster and, optionally,
// which task of it this process is.
struct TfConfig {
  ClusterSpec cluster;
  std::optional<TaskId> task;
};

// Parses the text of TF_CONFIG: {"cluster": {...}, "task": {"type": "worker",
// "index": 0}}. "cluster" is required and read as ClusterSpec::Parse reads it;
// "task" is optional, and when present needs a string "type" and a
// non-negative integer "index" (a number or a decimal string; 0 when absent,
// as in TensorFlow). Other top-level keys ("environment", "rpc_layer", ...)
// are ignored.
// Returns INVALID_ARGUMENT "Invalid TF_CONFIG: <fault>" for a bad cluster, a
// malformed task, or a task that is not in the cluster.
absl::StatusOr<TfConfig> ParseTfConfig(absl::string_view json_text);

}  // namespace troupe
