// Single enqueues sent to a queue actor all at once, their answers read in
// order: what the coalescer's tests and the typed handles' burst tests share.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "caf/duration.hpp"
#include "caf/scoped_actor.hpp"

#include "serialization/protocol.h"
#include "serialization/status_error.h"

namespace troupe {

// Sends an enqueue of each of `elements` to `queue` before reading any
// answer, calls `meanwhile` once all are sent, and returns the answers in
// the order of the requests: "OK" or the status. Each waits at most `bound`.
inline std::vector<std::string> EnqueueAtOnce(
    caf::scoped_actor& self, const QueueActor& queue,
    std::vector<Tuple> elements, std::chrono::milliseconds bound,
    const std::function<void()>& meanwhile = [] {}) {
  std::vector<decltype(self->request(queue, bound, enqueue_atom::value, Tuple{},
                                     kNoTimeout))>
      pending;
  for (Tuple& element : elements) {
    pending.push_back(self->request(queue, bound, enqueue_atom::value,
                                    std::move(element), kNoTimeout));
  }
  meanwhile();
  std::vector<std::string> answers;
  for (auto& enqueue : pending) {
    enqueue.receive([&](caf::ok_atom) { answers.push_back("OK"); },
                    [&](caf::error& error) {
                      answers.push_back(ToStatus(error).ToString());
                    });
  }
  return answers;
}

}  // namespace troupe
