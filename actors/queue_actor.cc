#include "actors/queue_actor.h"

#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/exit_reason.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/queue_core.h"
#include "serialization/status_error.h"

namespace troupe {

namespace {

// Timeouts longer than this wait forever (and keep clock arithmetic in range).
constexpr int64_t kMaxTimeoutMs = int64_t{1} << 40;

// What an operation answers on success.
enum class Reply { kOk, kTuple, kElements, kEnqueued };

struct Waiter {
  caf::response_promise promise;
  caf::actor_addr owner;
  Reply reply = Reply::kOk;
  bool owner_monitored = false;
};

struct QueueState {
  std::unique_ptr<QueueCore> core;
  std::map<uint64_t, Waiter> waiters;
  // Requesters with waiting operations, and how many each has.
  std::map<caf::actor_addr, size_t> owners;
  uint64_t next_id = 1;
  static inline const char* name = "troupe.queue";
};

using QueuePointer = QueueActor::stateful_pointer<QueueState>;

void ReleaseOwner(QueuePointer self, Waiter& waiter) {
  if (!waiter.owner_monitored) return;
  auto it = self->state.owners.find(waiter.owner);
  if (it != self->state.owners.end() && --it->second == 0) {
    self->demonitor(waiter.owner);
    self->state.owners.erase(it);
  }
}

// Answers every operation the core has completed.
void Deliver(QueuePointer self) {
  for (QueueCore::Completion& done : self->state.core->TakeCompletions()) {
    auto it = self->state.waiters.find(done.id);
    if (it == self->state.waiters.end()) continue;
    Waiter& waiter = it->second;
    if (waiter.reply == Reply::kEnqueued) {
      // How many went in, and why the rest did not.
      waiter.promise.deliver(
          static_cast<int32_t>(done.enqueued),
          done.status.ok() ? caf::error{} : ToError(done.status));
    } else if (!done.status.ok()) {
      waiter.promise.deliver(ToError(done.status));
    } else if (waiter.reply == Reply::kTuple) {
      waiter.promise.deliver(std::move(done.value));
    } else if (waiter.reply == Reply::kElements) {
      waiter.promise.deliver(std::move(done.elements));
    } else {
      waiter.promise.deliver(caf::ok_atom::value);
    }
    ReleaseOwner(self, waiter);
    self->state.waiters.erase(it);
  }
}

// Runs one operation: `start(id, deadline)` hands it to the core. The reply
// goes out now or when the state lets the operation finish.
template <class Start>
caf::response_promise Submit(QueuePointer self, int64_t timeout_ms, Reply reply,
                             Start start) {
  // Taken before make_response_promise(), which moves the sender out of the
  // current message (CAF 0.17): afterwards current_sender() is null, and a
  // requester that dies while waiting would never be noticed.
  caf::strong_actor_ptr sender = self->current_sender();
  auto promise = self->make_response_promise();
  if (timeout_ms < kNoTimeout) {
    promise.deliver(ToError(absl::InvalidArgumentError(absl::StrCat(
        "Timeout ", timeout_ms, " ms is negative; use -1 to wait forever"))));
    return promise;
  }
  auto now = QueueCore::Clock::now();
  bool has_deadline = timeout_ms != kNoTimeout && timeout_ms < kMaxTimeoutMs;
  auto deadline = has_deadline ? now + std::chrono::milliseconds(timeout_ms)
                               : QueueCore::kNoDeadline;
  uint64_t id = self->state.next_id++;
  auto owner = caf::actor_cast<caf::actor_addr>(sender);
  self->state.waiters.emplace(id, Waiter{promise, owner, reply, false});
  start(id, deadline);
  if (has_deadline && timeout_ms == 0) self->state.core->ExpireUntil(deadline);
  Deliver(self);
  auto still_waiting = self->state.waiters.find(id);
  if (still_waiting == self->state.waiters.end()) return promise;
  if (owner) {
    if (self->state.owners[owner]++ == 0) self->monitor(sender);
    still_waiting->second.owner_monitored = true;
  }
  if (has_deadline) {
    self->delayed_send(self, std::chrono::milliseconds(timeout_ms),
                       expire_atom::value);
  }
  return promise;
}

// Withdraws every waiting operation of a requester that is gone: nothing may
// be handed to it, and a partial batch it held goes back to the queue.
void WithdrawOwner(QueuePointer self, const caf::actor_addr& owner) {
  if (self->state.owners.erase(owner) == 0) return;
  std::vector<uint64_t> ids;
  for (auto& [id, waiter] : self->state.waiters) {
    if (waiter.owner == owner) {
      waiter.owner_monitored = false;
      ids.push_back(id);
    }
  }
  for (uint64_t id : ids) {
    self->state.core->Withdraw(id,
                               absl::CancelledError("The requester is gone"));
  }
  Deliver(self);
}

QueueActor::behavior_type QueueBehavior(QueuePointer self, std::string name,
                                        QueueSpec spec, size_t max_waiting,
                                        uint64_t max_batch_bytes) {
  self->state.core = std::make_unique<QueueCore>(
      std::move(name), std::move(spec), max_waiting, max_batch_bytes);
  self->set_down_handler(
      [self](caf::down_msg& down) { WithdrawOwner(self, down.source); });
  self->set_exit_handler([self](caf::exit_msg& exit) {
    absl::Status reason = ToStatus(exit.reason);
    self->state.core->CancelAll(reason.ok()
                                    ? std::string("the queue was stopped")
                                    : std::string(reason.message()));
    Deliver(self);
    self->quit(exit.reason);
  });
  QueueCore* core = self->state.core.get();
  return {
      [self, core](enqueue_atom, Tuple& element,
                   int64_t timeout_ms) -> caf::result<caf::ok_atom> {
        return Submit(self, timeout_ms, Reply::kOk,
                      [&](uint64_t id, auto deadline) {
                        core->Enqueue(id, std::move(element), deadline);
                      });
      },
      [self, core](enqueue_many_atom, Tuple& batch,
                   int64_t timeout_ms) -> caf::result<caf::ok_atom> {
        return Submit(self, timeout_ms, Reply::kOk,
                      [&](uint64_t id, auto deadline) {
                        core->EnqueueMany(id, std::move(batch), deadline);
                      });
      },
      [self, core](enqueue_each_atom, std::vector<Tuple>& elements,
                   int64_t timeout_ms) -> caf::result<int32_t, caf::error> {
        return Submit(self, timeout_ms, Reply::kEnqueued,
                      [&](uint64_t id, auto deadline) {
                        core->EnqueueEach(id, std::move(elements), deadline);
                      });
      },
      [self, core](dequeue_atom, int64_t timeout_ms) -> caf::result<Tuple> {
        return Submit(
            self, timeout_ms, Reply::kTuple,
            [&](uint64_t id, auto deadline) { core->Dequeue(id, deadline); });
      },
      [self, core](dequeue_many_atom, int32_t n,
                   int64_t timeout_ms) -> caf::result<Tuple> {
        return Submit(self, timeout_ms, Reply::kTuple,
                      [&](uint64_t id, auto deadline) {
                        core->DequeueMany(id, n, deadline);
                      });
      },
      [self, core](dequeue_up_to_atom, int32_t n,
                   int64_t timeout_ms) -> caf::result<Tuple> {
        return Submit(self, timeout_ms, Reply::kTuple,
                      [&](uint64_t id, auto deadline) {
                        core->DequeueUpTo(id, n, deadline);
                      });
      },
      [self, core](dequeue_some_atom, int32_t max,
                   int64_t timeout_ms) -> caf::result<std::vector<Tuple>> {
        return Submit(self, timeout_ms, Reply::kElements,
                      [&](uint64_t id, auto deadline) {
                        core->DequeueSome(id, max, deadline);
                      });
      },
      [self, core](close_atom, bool cancel_pending_enqueues,
                   int64_t timeout_ms) -> caf::result<caf::ok_atom> {
        return Submit(self, timeout_ms, Reply::kOk,
                      [&](uint64_t id, auto deadline) {
                        core->Close(id, cancel_pending_enqueues, deadline);
                      });
      },
      [self, core](close_atom, bool cancel_pending_enqueues,
                   const caf::error& error) -> caf::result<caf::ok_atom> {
        return Submit(self, kNoTimeout, Reply::kOk,
                      [&](uint64_t id, auto deadline) {
                        core->Close(id, cancel_pending_enqueues, deadline,
                                    ToStatus(error));
                      });
      },
      [core](size_atom) { return core->size(); },
      [core](is_closed_atom) { return core->closed(); },
      [core](describe_atom) {
        ResourceInfo info;
        info.name = core->name();
        info.spec = core->spec();
        info.size = core->size();
        info.closed = core->closed();
        info.waiting_enqueues = static_cast<int64_t>(core->waiting_enqueues());
        info.waiting_dequeues = static_cast<int64_t>(core->waiting_dequeues());
        info.held = static_cast<int64_t>(core->held());
        info.enqueued_total = static_cast<int64_t>(core->enqueued_total());
        info.dequeued_total = static_cast<int64_t>(core->dequeued_total());
        info.bytes_held = static_cast<int64_t>(core->bytes());
        return info;
      },
      [core](snapshot_atom) {
        return caf::make_result(core->closed(), core->Snapshot());
      },
      [self, core](restore_atom, bool closed, std::vector<Tuple>& elements) {
        core->Restore(closed, std::move(elements));
        Deliver(self);
        return caf::ok_atom::value;
      },
      [self, core](expire_atom) {
        core->ExpireUntil(QueueCore::Clock::now());
        Deliver(self);
      },
  };
}

}  // namespace

QueueActor SpawnQueue(caf::actor_system& system, std::string name,
                      QueueSpec spec, size_t max_waiting,
                      uint64_t max_batch_bytes) {
  return system.spawn(QueueBehavior, std::move(name), std::move(spec),
                      max_waiting, max_batch_bytes);
}

}  // namespace troupe
