// Session: a client's connection to one task of a cluster (its target), the
// way in for the blocking C++ API. Like TensorFlow's, it connects lazily: a
// task that cannot be reached makes the first call fail UNAVAILABLE. It
// keeps working across restarts of the tasks it uses: the first call after a
// task is back connects again (README: "When a task restarts").
//
// Thread-safety: every method may be called from several threads at once.
// Never call a blocking method from inside a CAF actor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cluster/node_config.h"
#include "serialization/protocol.h"
#include "serialization/wire_messages.h"

namespace caf {
class actor_system;
}

namespace troupe {

class WireClient;

namespace internal {
// How the queues, Variable and the readers reach their resource
// (cluster/wire_resource.h).
template <class Spec, class Actor>
class WireResourceHandle;
}  // namespace internal

// A task as a session reaches it over Troupe's wire (net/wire_client.h).
struct WireTask {
  std::shared_ptr<WireClient> client;
  // "host:port", as the cluster spec names it.
  std::string address;
  // "/job:J/task:T".
  std::string device;
  // The task's incarnation (TaskStatus) when the session connected: another
  // one later means that the task restarted in between.
  uint64_t incarnation = 0;
  // The checkpoint that incarnation restored, if any, and its time.
  std::string restored_prefix;
  int64_t restored_time_unix_ms = 0;
};

class Session {
 public:
  // `target` is "host:port" of a task.
  explicit Session(std::string target, NodeOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Frees `containers` on `device` (default: the target task); with none
  // named, the default container "". Requests waiting on their resources fail
  // CANCELLED; later requests through old handles fail NOT_FOUND.
  absl::Status reset(const std::vector<std::string>& containers = {},
                     const std::string& device = "");
  // Every resource on `device` (default: the target task).
  absl::StatusOr<std::vector<ResourceInfo>> list(
      const std::string& device = "");
  // What `device` (default: the target task) says about itself: its
  // incarnation, uptime and restarts.
  absl::StatusOr<TaskStatus> status(const std::string& device = "");

  const std::string& target() const;

  // The client's actor system, for users' own actors that talk to resource
  // handles asynchronously.
  caf::actor_system& system();
  // The connection to `device` ("/job:J/task:T"; empty: the target) over
  // Troupe's wire, made on first use and again once it was lost. The target
  // names the device's address and the session connects to it directly, so
  // that losing any task it uses is noticed (UNAVAILABLE) and waiting
  // requests never hang. NOT_FOUND for a device outside the cluster;
  // UNAVAILABLE if the task cannot be reached (the next call tries again).
  // Private to cluster/.
  absl::StatusOr<WireTask> wire(const std::string& device = "");
  // Forgets the connections to `device` after a call failed UNAVAILABLE, so
  // that the next call connects again.
  void Disconnected(const std::string& device = "");

 private:
  // `request` to `device` over the wire, answered at once with a Reply.
  template <class Reply>
  absl::StatusOr<Reply> CallTask(const std::string& device,
                                 const Message& request);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace troupe
