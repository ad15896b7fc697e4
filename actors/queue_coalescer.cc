#include "actors/queue_coalescer.h"

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/queue_validation.h"
#include "serialization/status_error.h"

namespace troupe {

namespace {

// A valid enqueue waiting to leave, and whom to answer.
struct Held {
  Tuple element;
  caf::response_promise promise;
};

struct CoalescerState {
  QueueActor queue;
  std::string queue_name;
  QueueSpec spec;
  // Valid enqueues not sent yet, oldest first.
  std::deque<Held> held;
  // Whom each enqueue message on its way answers, by message.
  std::map<uint64_t, std::vector<caf::response_promise>> enqueues_sent;
  uint64_t next_message = 0;
  // Once a close is sent, the queue takes no more elements: later enqueues
  // go through at once, to be refused at once as TensorFlow refuses them.
  bool close_sent = false;
  // Dequeues waiting, oldest first. The messages on their way ask for
  // `dequeues_sent` of them; `dequeue_groups` lists how many each asks for,
  // in the order they were sent (and will be answered).
  std::deque<caf::response_promise> dequeues;
  size_t dequeues_sent = 0;
  std::deque<size_t> dequeue_groups;
  static inline const char* name = "troupe.queue_coalescer";
};

using CoalescerPointer = QueueActor::stateful_pointer<CoalescerState>;

void SendHeld(CoalescerPointer self, bool all);
void SendDequeues(CoalescerPointer self, bool all);

bool SameShapes(const Tuple& a, const Tuple& b) {
  for (size_t c = 0; c < a.size(); ++c) {
    if (a[c].shape() != b[c].shape()) return false;
  }
  return true;
}

// Answers the enqueues of message `id`: the first `enqueued` went in, the
// rest failed with `error`.
void FinishGroup(CoalescerPointer self, uint64_t id, size_t enqueued,
                 const caf::error& error) {
  auto found = self->state.enqueues_sent.find(id);
  if (found == self->state.enqueues_sent.end()) return;
  std::vector<caf::response_promise>& promises = found->second;
  for (size_t i = 0; i < promises.size(); ++i) {
    if (i < enqueued || !error) {
      promises[i].deliver(caf::ok_atom::value);
    } else {
      promises[i].deliver(error);
    }
  }
  self->state.enqueues_sent.erase(found);
  SendHeld(self, false);
}

// Sends held enqueues: while no enqueue message is on its way, or all of
// them when `all`. One message carries the oldest held elements of one
// shape, up to kMaxCoalesced; a lone element goes as a plain enqueue.
void SendHeld(CoalescerPointer self, bool all) {
  auto& state = self->state;
  while (!state.held.empty() && (all || state.enqueues_sent.empty())) {
    auto end = state.held.begin() + 1;
    while (end != state.held.end() &&
           static_cast<size_t>(end - state.held.begin()) < kMaxCoalesced &&
           SameShapes(end->element, state.held.front().element))
      ++end;
    const uint64_t id = state.next_message++;
    std::vector<caf::response_promise>& promises = state.enqueues_sent[id];
    std::vector<Tuple> elements;
    for (auto it = state.held.begin(); it != end; ++it) {
      promises.push_back(std::move(it->promise));
      elements.push_back(std::move(it->element));
    }
    state.held.erase(state.held.begin(), end);
    auto failed = [self, id](caf::error& error) {
      FinishGroup(self, id, 0, error);
    };
    if (elements.size() == 1) {
      self->request(state.queue, caf::infinite, enqueue_atom::value,
                    std::move(elements.front()), kNoTimeout)
          .then(
              [self, id](caf::ok_atom) { FinishGroup(self, id, 1, caf::none); },
              failed);
    } else {
      self->request(state.queue, caf::infinite, enqueue_each_atom::value,
                    std::move(elements), kNoTimeout)
          .then(
              [self, id](int32_t enqueued, caf::error& error) {
                FinishGroup(self, id,
                            static_cast<size_t>(std::max(enqueued, 0)), error);
              },
              failed);
    }
  }
}

// The answer to the oldest dequeue message on its way: its elements go to
// the oldest waiting dequeues, or its error to as many as it asked for.
void FinishDequeues(CoalescerPointer self, std::vector<Tuple> elements,
                    const caf::error& error) {
  auto& state = self->state;
  const size_t asked = state.dequeue_groups.front();
  state.dequeue_groups.pop_front();
  state.dequeues_sent -= asked;
  const size_t served = error ? asked : std::min(elements.size(), asked);
  for (size_t i = 0; i < served; ++i) {
    caf::response_promise& promise = state.dequeues.front();
    if (error) {
      promise.deliver(error);
    } else {
      promise.deliver(std::move(elements[i]));
    }
    state.dequeues.pop_front();
  }
  SendDequeues(self, false);
}

// Asks for the waiting dequeues that no message on its way asks for yet:
// while none is on its way, or all of them when `all`.
void SendDequeues(CoalescerPointer self, bool all) {
  auto& state = self->state;
  while (state.dequeues.size() > state.dequeues_sent &&
         (all || state.dequeue_groups.empty())) {
    const size_t asked =
        std::min(state.dequeues.size() - state.dequeues_sent, kMaxCoalesced);
    state.dequeues_sent += asked;
    state.dequeue_groups.push_back(asked);
    auto failed = [self](caf::error& error) {
      FinishDequeues(self, {}, error);
    };
    if (asked == 1) {
      self->request(state.queue, caf::infinite, dequeue_atom::value, kNoTimeout)
          .then(
              [self](Tuple& element) {
                std::vector<Tuple> elements;
                elements.push_back(std::move(element));
                FinishDequeues(self, std::move(elements), caf::none);
              },
              failed);
    } else {
      self->request(state.queue, caf::infinite, dequeue_some_atom::value,
                    static_cast<int32_t>(asked), kNoTimeout)
          .then(
              [self](std::vector<Tuple>& elements) {
                FinishDequeues(self, std::move(elements), caf::none);
              },
              failed);
    }
  }
}

// Everything waiting fails with `answer`, and the coalescer stops.
void FailAll(CoalescerPointer self, const caf::error& answer,
             const caf::error& reason) {
  auto& state = self->state;
  for (auto& message : state.enqueues_sent) {
    for (caf::response_promise& promise : message.second)
      promise.deliver(answer);
  }
  for (Held& held : state.held) held.promise.deliver(answer);
  for (caf::response_promise& promise : state.dequeues) promise.deliver(answer);
  state.enqueues_sent.clear();
  state.held.clear();
  state.dequeues.clear();
  self->quit(reason);
}

// What arrived before a close reaches the queue before it.
void SendBeforeClose(CoalescerPointer self) {
  SendHeld(self, true);
  SendDequeues(self, true);
  self->state.close_sent = true;
}

QueueActor::behavior_type CoalescerBehavior(CoalescerPointer self,
                                            QueueActor queue, std::string name,
                                            QueueSpec spec) {
  self->state.queue = queue;
  self->state.queue_name = std::move(name);
  self->state.spec = std::move(spec);
  self->monitor(queue);
  self->set_down_handler([self](caf::down_msg& down) {
    FailAll(self,
            ToError(absl::UnavailableError(absl::StrCat(
                "The queue is gone: ", ToStatus(down.reason).ToString()))),
            down.reason);
  });
  self->set_exit_handler([self](caf::exit_msg& exit) {
    FailAll(self,
            ToError(absl::CancelledError(
                "The queue's coalescer was stopped before it was answered")),
            exit.reason);
  });
  return {
      [self](enqueue_atom, Tuple& element,
             int64_t timeout_ms) -> caf::result<caf::ok_atom> {
        auto& state = self->state;
        if (timeout_ms != kNoTimeout || state.close_sent) {
          return self->delegate(state.queue, enqueue_atom::value,
                                std::move(element), timeout_ms);
        }
        // Checked here, as the queue would check it, so that what leaves
        // together is all valid.
        if (auto valid =
                ValidateQueueElement(state.spec, state.queue_name, element);
            !valid.ok()) {
          return ToError(valid);
        }
        auto promise = self->make_response_promise();
        state.held.push_back(Held{std::move(element), promise});
        SendHeld(self, false);
        return promise;
      },
      [self](close_atom, bool cancel_pending_enqueues,
             int64_t timeout_ms) -> caf::result<caf::ok_atom> {
        SendBeforeClose(self);
        return self->delegate(self->state.queue, close_atom::value,
                              cancel_pending_enqueues, timeout_ms);
      },
      [self](close_atom, bool cancel_pending_enqueues,
             const caf::error& error) -> caf::result<caf::ok_atom> {
        SendBeforeClose(self);
        return self->delegate(self->state.queue, close_atom::value,
                              cancel_pending_enqueues, error);
      },
      [self](dequeue_atom, int64_t timeout_ms) -> caf::result<Tuple> {
        if (timeout_ms != kNoTimeout) {
          return self->delegate(self->state.queue, dequeue_atom::value,
                                timeout_ms);
        }
        auto promise = self->make_response_promise();
        self->state.dequeues.push_back(promise);
        SendDequeues(self, false);
        return promise;
      },
      [self](enqueue_many_atom, Tuple& batch,
             int64_t timeout_ms) -> caf::result<caf::ok_atom> {
        return self->delegate(self->state.queue, enqueue_many_atom::value,
                              std::move(batch), timeout_ms);
      },
      [self](enqueue_each_atom, std::vector<Tuple>& elements,
             int64_t timeout_ms) -> caf::result<int32_t, caf::error> {
        return self->delegate(self->state.queue, enqueue_each_atom::value,
                              std::move(elements), timeout_ms);
      },
      [self](dequeue_many_atom, int32_t n,
             int64_t timeout_ms) -> caf::result<Tuple> {
        return self->delegate(self->state.queue, dequeue_many_atom::value, n,
                              timeout_ms);
      },
      [self](dequeue_up_to_atom, int32_t n,
             int64_t timeout_ms) -> caf::result<Tuple> {
        return self->delegate(self->state.queue, dequeue_up_to_atom::value, n,
                              timeout_ms);
      },
      [self](dequeue_some_atom, int32_t max,
             int64_t timeout_ms) -> caf::result<std::vector<Tuple>> {
        return self->delegate(self->state.queue, dequeue_some_atom::value, max,
                              timeout_ms);
      },
      [self](size_atom) -> caf::result<int32_t> {
        return self->delegate(self->state.queue, size_atom::value);
      },
      [self](is_closed_atom) -> caf::result<bool> {
        return self->delegate(self->state.queue, is_closed_atom::value);
      },
      [self](describe_atom) -> caf::result<ResourceInfo> {
        return self->delegate(self->state.queue, describe_atom::value);
      },
      [self](snapshot_atom) -> caf::result<bool, std::vector<Tuple>> {
        return self->delegate(self->state.queue, snapshot_atom::value);
      },
      [self](restore_atom, bool closed,
             std::vector<Tuple>& elements) -> caf::result<caf::ok_atom> {
        return self->delegate(self->state.queue, restore_atom::value, closed,
                              std::move(elements));
      },
      [](expire_atom) {},
      [](sync_atom) {},
  };
}

}  // namespace

QueueActor SpawnQueueCoalescer(caf::actor_system& system, QueueActor queue,
                               std::string name, QueueSpec spec) {
  // Hidden: an actor system does not wait for it when it shuts down (it
  // lives until its queue is gone or it is told to exit).
  return system.spawn<caf::hidden>(CoalescerBehavior, std::move(queue),
                                   std::move(name), std::move(spec));
}

}  // namespace troupe
