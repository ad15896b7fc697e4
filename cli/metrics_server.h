// MetricsServer: `troupe task --metrics-port`: GET /metrics answers the task's
// `troupe ctl stats --format prometheus` over HTTP (cpp-httplib), for a
// Prometheus server to scrape.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "cluster/node_config.h"
#include "config/cluster_spec.h"

namespace troupe::cli {

class MetricsServer {
 public:
  // Serves on `listen` (port 0: a free one) the stats of the task at
  // `task_address` (device `device`), asked over the wire with `options`
  // (its TLS files, if any). UNAVAILABLE "Cannot serve metrics on
  // HOST:PORT" if it cannot bind.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const TaskAddress& listen, std::string task_address, std::string device,
      NodeOptions options);
  // Stops serving; a scrape under way ends first.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace troupe::cli
