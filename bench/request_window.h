// A window of asynchronous requests kept in flight from one actor, as the
// "N in flight" rows of troupe_bench measure a typed handle (no threads).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>

#include "absl/status/statusor.h"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"

#include "serialization/status_error.h"

namespace troupe::bench {

// Keeps `window` requests in flight from one actor of `system` until
// `requests` were answered, or until those sent before `deadline` were.
// `send(self)` issues one request and returns its response handle;
// `count(reply)` says how many instances a reply carried. The future holds
// the instances of every reply, or the first error.
template <class Reply, class Send, class Count>
std::future<absl::StatusOr<int64_t>> RunWindow(
    caf::actor_system& system, int64_t requests, int32_t window, Send send,
    Count count,
    std::chrono::steady_clock::time_point deadline =
        std::chrono::steady_clock::time_point::max()) {
  struct State {
    int64_t sent = 0;
    int64_t answered = 0;
    int64_t instances = 0;
    bool finished = false;
    std::promise<absl::StatusOr<int64_t>> done;
    std::function<void()> next;
  };
  auto state = std::make_shared<State>();
  auto future = state->done.get_future();
  if (requests == 0) {
    state->done.set_value(int64_t{0});
    return future;
  }
  auto more = [=] {
    return state->sent < requests &&
           std::chrono::steady_clock::now() < deadline;
  };
  system.spawn([=](caf::event_based_actor* self) {
    state->next = [=] {
      ++state->sent;
      send(self).then(
          [=](Reply& reply) {
            state->instances += count(reply);
            ++state->answered;
            if (more()) {
              state->next();
            } else if (state->answered == state->sent) {
              state->finished = true;
              state->done.set_value(state->instances);
              state->next = nullptr;
              self->quit();
            }
          },
          [=](caf::error& error) {
            if (!state->finished) {
              state->finished = true;
              state->done.set_value(ToStatus(error));
            }
            state->next = nullptr;
            self->quit();
          });
    };
    do {
      state->next();
    } while (state->sent < window && more());
  });
  return future;
}

}  // namespace troupe::bench
