#include "cluster/filled_queue.h"

#include <cstdint>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "cluster/runner_sources.h"

namespace troupe {

RunnerSource FilledQueue::source() const { return DequeueSource(name()); }

absl::Status FilledQueue::Start(Session& session, const std::string& prefix,
                                std::string name, const QueueSpec& queue_spec,
                                RunnerSpec runner_spec,
                                const std::string& device,
                                const std::string& container) {
  if (name.empty()) {
    std::random_device random;
    const uint64_t id = (uint64_t{random()} << 32) | random();
    name = absl::StrCat(prefix, "_", absl::Hex(id, absl::kZeroPad16));
  }
  runner_spec.target = name;
  TROUPE_RETURN_IF_ERROR(ValidateRunnerSpec(runner_spec));
  bool created = false;
  TROUPE_ASSIGN_OR_RETURN(queue_, Queue::Create(session, queue_spec, name,
                                                device, container, &created));
  runner_ = std::make_unique<QueueRunner>(session, name, std::move(runner_spec),
                                          device, container);
  return runner_->start().status();
}

}  // namespace troupe
