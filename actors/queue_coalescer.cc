#include "actors/queue_coalescer.h"

#include <algorithm>
#include <deque>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "serialization/status_error.h"

namespace troupe {

namespace {

// An enqueue or a close, in the order they arrived.
struct Outgoing {
  bool close = false;
  bool cancel_pending_enqueues = false;
  int64_t timeout_ms = kNoTimeout;
  Tuple element;
  caf::response_promise promise;
};

struct CoalescerState {
  QueueActor queue;
  // Enqueues and closes not sent yet, oldest first.
  std::deque<Outgoing> outgoing;
  // What is on its way: one close, or enqueues sent as one message (then
  // one by one, those it did not take).
  std::vector<Outgoing> sent;
  // Singles of `sent` still unanswered, after the group's message.
  size_t unanswered_singles = 0;
  // Dequeues waiting, oldest first; the first `dequeues_sent` are on their
  // way as one message.
  std::deque<caf::response_promise> dequeues;
  size_t dequeues_sent = 0;
  static inline const char* name = "troupe.queue_coalescer";
};

using CoalescerPointer = QueueActor::stateful_pointer<CoalescerState>;

void SendOutgoing(CoalescerPointer self);
void SendDequeues(CoalescerPointer self);

void Answer(caf::response_promise& promise, const caf::error& error) {
  if (!promise.pending()) return;
  if (error) {
    promise.deliver(error);
  } else {
    promise.deliver(caf::ok_atom::value);
  }
}

void FinishSent(CoalescerPointer self, const caf::error& error) {
  for (Outgoing& out : self->state.sent) Answer(out.promise, error);
  self->state.sent.clear();
  self->state.unanswered_singles = 0;
  SendOutgoing(self);
}

// Sends the enqueues of `sent` from `first` on one by one, so that each gets
// the answer a single enqueue gets.
void SendSingles(CoalescerPointer self, size_t first) {
  auto& sent = self->state.sent;
  self->state.unanswered_singles = sent.size() - first;
  if (self->state.unanswered_singles == 0) return FinishSent(self, caf::none);
  for (size_t i = first; i < sent.size(); ++i) {
    auto answer = [self, i](const caf::error& error) {
      Answer(self->state.sent[i].promise, error);
      if (--self->state.unanswered_singles == 0) FinishSent(self, caf::none);
    };
    self->request(self->state.queue, caf::infinite, enqueue_atom::value,
                  sent[i].element, kNoTimeout)
        .then([answer](caf::ok_atom) { answer(caf::none); },
              [answer](caf::error& error) { answer(error); });
  }
}

void SendClose(CoalescerPointer self) {
  const Outgoing& close = self->state.sent.front();
  self->request(self->state.queue, caf::infinite, close_atom::value,
                close.cancel_pending_enqueues, close.timeout_ms)
      .then([self](caf::ok_atom) { FinishSent(self, caf::none); },
            [self](caf::error& error) { FinishSent(self, error); });
}

void SendOutgoing(CoalescerPointer self) {
  auto& state = self->state;
  if (!state.sent.empty() || state.outgoing.empty()) return;
  auto end = state.outgoing.begin();
  if (end->close) {
    ++end;
  } else {
    while (end != state.outgoing.end() && !end->close &&
           static_cast<size_t>(end - state.outgoing.begin()) < kMaxCoalesced)
      ++end;
  }
  state.sent.assign(std::make_move_iterator(state.outgoing.begin()),
                    std::make_move_iterator(end));
  state.outgoing.erase(state.outgoing.begin(), end);
  if (state.sent.front().close) return SendClose(self);
  if (state.sent.size() == 1) return SendSingles(self, 0);
  std::vector<Tuple> elements;
  elements.reserve(state.sent.size());
  for (const Outgoing& out : state.sent) elements.push_back(out.element);
  self->request(state.queue, caf::infinite, enqueue_each_atom::value,
                std::move(elements), kNoTimeout)
      .then(
          [self](int32_t enqueued) {
            size_t taken = std::min(static_cast<size_t>(std::max(enqueued, 0)),
                                    self->state.sent.size());
            for (size_t i = 0; i < taken; ++i)
              Answer(self->state.sent[i].promise, caf::none);
            SendSingles(self, taken);
          },
          [self](caf::error& error) { FinishSent(self, error); });
}

void FinishDequeues(CoalescerPointer self, std::vector<Tuple> elements,
                    const caf::error& error) {
  auto& state = self->state;
  size_t served = error ? state.dequeues_sent
                        : std::min(elements.size(), state.dequeues_sent);
  for (size_t i = 0; i < served; ++i) {
    caf::response_promise& promise = state.dequeues.front();
    if (error) {
      promise.deliver(error);
    } else {
      promise.deliver(std::move(elements[i]));
    }
    state.dequeues.pop_front();
  }
  state.dequeues_sent = 0;
  SendDequeues(self);
}

void SendDequeues(CoalescerPointer self) {
  auto& state = self->state;
  if (state.dequeues_sent > 0 || state.dequeues.empty()) return;
  state.dequeues_sent = std::min(state.dequeues.size(), kMaxCoalesced);
  auto failed = [self](caf::error& error) { FinishDequeues(self, {}, error); };
  if (state.dequeues_sent == 1) {
    self->request(state.queue, caf::infinite, dequeue_atom::value, kNoTimeout)
        .then(
            [self](Tuple& element) {
              std::vector<Tuple> elements;
              elements.push_back(std::move(element));
              FinishDequeues(self, std::move(elements), caf::none);
            },
            failed);
    return;
  }
  self->request(state.queue, caf::infinite, dequeue_some_atom::value,
                static_cast<int32_t>(state.dequeues_sent), kNoTimeout)
      .then(
          [self](std::vector<Tuple>& elements) {
            FinishDequeues(self, std::move(elements), caf::none);
          },
          failed);
}

// Everything waiting fails with `answer`, and the coalescer stops.
void FailAll(CoalescerPointer self, const caf::error& answer,
             const caf::error& reason) {
  auto& state = self->state;
  for (Outgoing& out : state.sent) Answer(out.promise, answer);
  for (Outgoing& out : state.outgoing) Answer(out.promise, answer);
  for (caf::response_promise& promise : state.dequeues) promise.deliver(answer);
  state.sent.clear();
  state.outgoing.clear();
  state.dequeues.clear();
  self->quit(reason);
}

QueueActor::behavior_type CoalescerBehavior(CoalescerPointer self,
                                            QueueActor queue) {
  self->state.queue = queue;
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
        if (timeout_ms != kNoTimeout) {
          return self->delegate(self->state.queue, enqueue_atom::value,
                                std::move(element), timeout_ms);
        }
        Outgoing out;
        out.element = std::move(element);
        out.promise = self->make_response_promise();
        auto promise = out.promise;
        self->state.outgoing.push_back(std::move(out));
        SendOutgoing(self);
        return promise;
      },
      [self](close_atom, bool cancel_pending_enqueues,
             int64_t timeout_ms) -> caf::result<caf::ok_atom> {
        Outgoing out;
        out.close = true;
        out.cancel_pending_enqueues = cancel_pending_enqueues;
        out.timeout_ms = timeout_ms;
        out.promise = self->make_response_promise();
        auto promise = out.promise;
        self->state.outgoing.push_back(std::move(out));
        SendOutgoing(self);
        return promise;
      },
      [self](dequeue_atom, int64_t timeout_ms) -> caf::result<Tuple> {
        if (timeout_ms != kNoTimeout) {
          return self->delegate(self->state.queue, dequeue_atom::value,
                                timeout_ms);
        }
        auto promise = self->make_response_promise();
        self->state.dequeues.push_back(promise);
        SendDequeues(self);
        return promise;
      },
      [self](enqueue_many_atom, Tuple& batch,
             int64_t timeout_ms) -> caf::result<caf::ok_atom> {
        return self->delegate(self->state.queue, enqueue_many_atom::value,
                              std::move(batch), timeout_ms);
      },
      [self](enqueue_each_atom, std::vector<Tuple>& elements,
             int64_t timeout_ms) -> caf::result<int32_t> {
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
      [](expire_atom) {},
  };
}

}  // namespace

QueueActor SpawnQueueCoalescer(caf::actor_system& system, QueueActor queue) {
  // Hidden: an actor system does not wait for it when it shuts down (it
  // lives until its queue is gone or it is told to exit).
  return system.spawn<caf::hidden>(CoalescerBehavior, std::move(queue));
}

}  // namespace troupe
