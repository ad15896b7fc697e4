// A task's counters and those of its resources, as `troupe ctl stats`,
// `troupe task --metrics-port` and `troupe ctl watch` show them: asked from
// the task, printed as JSON or in Prometheus's text exposition format.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

#include "cluster/session.h"
#include "serialization/resource_info.h"
#include "serialization/task_status.h"

namespace troupe::cli {

// One task as `stats` found it: up (its status and resources) or not (why).
struct TaskStats {
  std::string device;   // "/job:ps/task:0"
  std::string address;  // "127.0.0.1:2222"
  absl::Status up;
  TaskStatus status;
  std::vector<ResourceInfo> resources;
};

// Asks the task `device` (empty: the session's target) for its status and
// resources. `device` and `address` are left for the caller to fill.
TaskStats AskTaskStats(Session& session, const std::string& device);

// {"tasks": [{"device", "address", "up", and when up "uptime_s",
// "connections", "resident_bytes", "bytes_in", "bytes_out", "frames_in",
// "frames_out", "shared_bytes_in", "shared_bytes_out", "resources": [...];
// else "error"}]}. A queue's entry has
// "container", "name", "kind" (TensorFlow's class name), "size",
// "capacity", "closed", "enqueued_total", "dequeued_total" (elements, not
// calls), "waiting_enqueues", "waiting_dequeues", "bytes_held"; a variable's
// "bytes_held" and "initialized"; a reader's its counters.
nlohmann::json StatsToJson(const std::vector<TaskStats>& tasks);

// The same as Prometheus's text exposition format (version 0.0.4): one
// family per metric (# HELP, # TYPE, then its samples), labelled by task,
// container and resource name, e.g.
// troupe_queue_size{task="/job:ps/task:0",container="",queue="q"} 3.
std::string StatsToPrometheus(const std::vector<TaskStats>& tasks);

}  // namespace troupe::cli
