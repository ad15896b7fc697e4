// FilledQueue: a queue and the QueueRunner that fills it, made and started
// together on one task: what producers (cluster/input_producer.h) and
// batchers (cluster/batcher.h) return.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "cluster/queue.h"
#include "cluster/runner.h"
#include "cluster/session.h"
#include "serialization/queue_spec.h"
#include "serialization/runner_spec.h"

namespace troupe {

class FilledQueue {
 public:
  FilledQueue(const FilledQueue&) = delete;
  FilledQueue& operator=(const FilledQueue&) = delete;
  virtual ~FilledQueue() = default;

  // The queue, for size(), close() and the rest.
  QueueBase& queue() { return *queue_; }
  // Its runner, for status(), stop() and join().
  QueueRunner& runner() { return *runner_; }
  // The shared name of the queue, which its runner shares.
  const std::string& name() const { return queue_->name(); }
  // {"dequeue": this queue}: the source of a runner or batcher downstream.
  RunnerSource source() const;

 protected:
  // Looks up or creates the queue `queue_spec` describes, named `name` (empty:
  // a fresh name starting with `prefix`), and starts a runner of the same
  // name filling it as `runner_spec` says (its target set here).
  // INVALID_ARGUMENT for a spec that cannot run, or for a queue of that name
  // with another spec; NOT_FOUND for a source that does not exist.
  absl::Status Start(Session& session, const std::string& prefix,
                     std::string name, const QueueSpec& queue_spec,
                     RunnerSpec runner_spec, const std::string& device,
                     const std::string& container);
  FilledQueue() = default;

 private:
  std::unique_ptr<Queue> queue_;
  std::unique_ptr<QueueRunner> runner_;
};

}  // namespace troupe
