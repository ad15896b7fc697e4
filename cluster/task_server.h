// TaskServer: one task of a cluster: its actor system, its task actor, and
// the task actor served over Troupe's wire on the task's own address from the
// cluster spec.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "base/log_level.h"
#include "cluster/node_config.h"
#include "config/cluster_spec.h"

namespace troupe {

class TaskServer {
 public:
  // Starts serving `task` of `spec`, bound to the task's host and port only.
  // `log` (optional) gets a line for each connection opened, closed or
  // refused, on the wire server's thread, and for each checkpoint restored,
  // saved or failed. `caf_output` (optional) gets each
  // line CAF prints on its own (RouteCafOutput), which then never goes to
  // stdout. UNAVAILABLE if the address cannot be bound; NOT_FOUND if `task`
  // is not in `spec`; INVALID_ARGUMENT for unusable TLS files.
  static absl::StatusOr<std::unique_ptr<TaskServer>> Start(
      const ClusterSpec& spec, const TaskId& task,
      const NodeOptions& options = {}, LogSink log = {},
      std::function<void(const std::string&)> caf_output = {});
  // Stops serving: every waiting request is answered CANCELLED, then the
  // actor system shuts down.
  ~TaskServer();

  TaskServer(const TaskServer&) = delete;
  TaskServer& operator=(const TaskServer&) = delete;

  uint16_t port() const;

 private:
  struct Impl;
  explicit TaskServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace troupe
