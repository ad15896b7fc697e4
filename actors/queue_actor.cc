#include "actors/queue_actor.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/exit_reason.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/queue_core.h"
#include "actors/queue_log_file.h"
#include "serialization/status_error.h"

namespace troupe {

namespace {

// Timeouts longer than this wait forever (and keep clock arithmetic in range).
constexpr int64_t kMaxTimeoutMs = int64_t{1} << 40;

// The longest a durable queue holds a log batch back for more changes.
constexpr std::chrono::steady_clock::duration kMaxHold =
    std::chrono::milliseconds(1);

// What an operation answers on success.
enum class Reply { kOk, kTuple, kElements, kEnqueued };

struct Waiter {
  caf::response_promise promise;
  caf::actor_addr owner;
  Reply reply = Reply::kOk;
  bool owner_monitored = false;
};

// A durable queue's log as its actor keeps it: the file it appends to, the
// changes not yet written, and the answers waiting until the batch they
// follow is written (with `always`: and synced).
struct DurableLog final : QueueJournal {
  DurableLog(QueueLogOptions log_options, Durability durability)
      : options(std::move(log_options)),
        file(durability == Durability::kAlways) {}

  void Inserted(const Chunk& chunk) override {
    Tuple tensors;
    if (chunk.single) {
      tensors = chunk.tensors;
    } else {
      for (size_t c = 0; c < chunk.tensors.size(); ++c)
        tensors.push_back(chunk.Rows(c));
    }
    pending.push_back(QueueLogRecord::Insert(chunk.sequence, chunk.single,
                                             std::move(tensors)));
  }
  void Removed(uint64_t sequence, size_t count) override {
    pending.push_back(QueueLogRecord::Remove(sequence, count));
  }
  void Closed() override { pending.push_back(QueueLogRecord::Close()); }

  QueueLogOptions options;
  QueueLogFile file;
  std::vector<QueueLogRecord> pending;
  // Batches started, and the last one written (and synced, with `always`).
  // A batch is in flight while a rewrite or a sync runs on the writer.
  uint64_t sent = 0;
  uint64_t written = 0;
  // When the batch in flight was started, and how long the last one took.
  std::chrono::steady_clock::time_point sent_at;
  std::chrono::steady_clock::duration last_write{};
  // Answers the last written batch released, and answers waiting for the
  // next batch: the next batch is held until as many wait as were released.
  size_t released = 0;
  size_t waiting_next = 0;
  // Until when the next batch may still be held back (WritePending).
  std::optional<std::chrono::steady_clock::time_point> hold_until;
  // Whether an expire message waits in the mailbox, behind the messages
  // that were there, to send the next batch with their changes.
  bool flush_queued = false;
  // With `everysec`: whether a sync is due within a second.
  bool sync_due = false;
  // Answers and the batch each waits for; called with OK once it is
  // written, else with the error to answer instead.
  std::deque<std::pair<uint64_t, std::function<void(const absl::Status&)>>>
      held;
  // Set when a write failed: every operation fails with it.
  absl::Status broken;
};

struct QueueState {
  std::unique_ptr<QueueCore> core;
  // A durable queue's; null otherwise.
  std::unique_ptr<DurableLog> log;
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

// Answers `done` (a waiting operation the core completed) with its result,
// or with `error` instead.
void Answer(QueuePointer self, QueueCore::Completion& done,
            const absl::Status& error = absl::OkStatus()) {
  auto it = self->state.waiters.find(done.id);
  if (it == self->state.waiters.end()) return;
  Waiter& waiter = it->second;
  if (!error.ok()) {
    waiter.promise.deliver(ToError(error));
  } else if (waiter.reply == Reply::kEnqueued) {
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

// Runs the held answers whose batch is written (all of them, with `error`,
// when it is not OK).
void ReleaseHeld(QueuePointer self, const absl::Status& error) {
  DurableLog& log = *self->state.log;
  size_t released = 0;
  while (!log.held.empty() &&
         (!error.ok() || log.held.front().first <= log.written)) {
    auto answer = std::move(log.held.front().second);
    log.held.pop_front();
    answer(error);
    ++released;
  }
  log.released = released;
}

// Runs `answer` once the changes made so far are written (at once when they
// are): with the batch in flight, or the next one when changes wait.
void AfterWritten(QueuePointer self,
                  std::function<void(const absl::Status&)> answer) {
  DurableLog& log = *self->state.log;
  const uint64_t batch = log.pending.empty() ? log.sent : log.sent + 1;
  if (batch == log.written) {
    answer(absl::OkStatus());
    return;
  }
  if (batch > log.sent) ++log.waiting_next;
  log.held.emplace_back(batch, std::move(answer));
}

void WritePending(QueuePointer self, bool flushing = false);

// Fails every held answer and every later operation with `error`.
void BreakLog(QueuePointer self, const absl::Status& error) {
  DurableLog& log = *self->state.log;
  if (log.broken.ok()) {
    log.broken = absl::UnavailableError(
        absl::StrCat("Durable queue '", self->state.core->name(),
                     "' cannot write its log (", error.message(),
                     "); it refuses every operation until its task restarts"));
  }
  ReleaseHeld(self, log.broken);
}

// Starts a batch; BatchWritten(self, batch) ends it.
uint64_t StartBatch(DurableLog& log) {
  log.waiting_next = 0;
  log.hold_until.reset();
  log.sent_at = std::chrono::steady_clock::now();
  return ++log.sent;
}

// Answers what waited for `batch`, and starts the next one.
void BatchWritten(QueuePointer self, uint64_t batch) {
  DurableLog& log = *self->state.log;
  log.written = batch;
  log.last_write = std::chrono::steady_clock::now() - log.sent_at;
  ReleaseHeld(self, absl::OkStatus());
  WritePending(self);
}

// Has the writer sync what was written to the log, then calls `synced`; a
// failed sync breaks the log.
template <class Synced>
void RequestSync(QueuePointer self, Synced synced) {
  self->request(self->state.log->options.writer, caf::infinite,
                sync_atom::value, self->id())
      .then([synced](caf::ok_atom) { synced(); },
            [self](caf::error& error) { BreakLog(self, ToStatus(error)); });
}

// With `always`: the batch just written is synced on the writer's thread.
void SyncBatch(QueuePointer self) {
  const uint64_t batch = StartBatch(*self->state.log);
  RequestSync(self, [self, batch] { BatchWritten(self, batch); });
}

// With `everysec`: what was written is synced within a second.
void SyncWithinASecond(QueuePointer self) {
  DurableLog& log = *self->state.log;
  if (log.sync_due) return;
  log.sync_due = true;
  self->delayed_send(self, std::chrono::seconds(1), sync_atom::value);
}

// Starts the log anew with the queue's content alone: its header, the
// elements it holds (with their numbers) and its closed state.
void RewriteLog(QueuePointer self) {
  DurableLog& log = *self->state.log;
  const QueueCore& core = *self->state.core;
  log.pending.clear();
  std::vector<QueueLogRecord> records;
  records.push_back(
      QueueLogRecord::Header(log.options.container, core.name(), core.spec()));
  core.ForEachChunk([&log](const Chunk& chunk) { log.Inserted(chunk); });
  if (core.closed()) log.Closed();
  for (QueueLogRecord& record : log.pending)
    records.push_back(std::move(record));
  log.pending.clear();
  const uint64_t batch = StartBatch(log);
  self->request(log.options.writer, caf::infinite, rewrite_atom::value,
                self->id(), log.options.file, std::move(records))
      .then(
          [self, batch](uint64_t bytes, const std::string& path) {
            absl::Status opened = self->state.log->file.Open(path, bytes);
            if (!opened.ok()) {
              BreakLog(self, opened);
              return;
            }
            BatchWritten(self, batch);
          },
          [self](caf::error& error) { BreakLog(self, ToStatus(error)); });
}

// Writes the changes made since the last batch to the log (the page cache:
// no thread waits for the disk here), or has the writer rewrite the log as
// the whole content instead once it has grown past twice that. With
// `always` the batch then waits for the writer's sync, `everysec` has one
// within a second, `no` leaves syncing to the system. While a rewrite or a
// sync runs, the changes wait, so that the next batch takes all of them:
// one write and one sync for every change made meanwhile.
//
// With `always`, each batch costs a sync. Clients that keep N operations in
// flight send the next N as the answers of the last batch reach them, one
// by one: sent at once, the first would make a batch and a sync alone while
// the rest wait for it. So such a batch is held until as many answers wait
// for it as the last batch released, or for at most as long as the last
// write took (up to kMaxHold; an expire message then ends the hold). One at
// a time, a batch released one answer and nothing is held.
//
// Requests that arrive together (a client's pipelined ones) reach the
// mailbox together: while messages wait there, the batch waits for an
// expire message queued behind them (`flushing` when it comes), so that it
// takes their changes too, in one write.
void WritePending(QueuePointer self, bool flushing) {
  DurableLog& log = *self->state.log;
  if (log.pending.empty() || log.written != log.sent) return;
  if (!flushing) {
    if (log.flush_queued) return;
    if (!self->mailbox().empty()) {
      log.flush_queued = true;
      self->send(self, expire_atom::value);
      return;
    }
  }
  if (self->state.core->spec().durability == Durability::kAlways &&
      log.waiting_next < log.released) {
    const auto now = std::chrono::steady_clock::now();
    if (!log.hold_until) {
      const auto hold = std::min(log.last_write, kMaxHold);
      log.hold_until = now + hold;
      self->delayed_send(self, hold, expire_atom::value);
      return;
    }
    if (now < *log.hold_until) return;
  }
  if (log.file.bytes() >= log.options.compact_min_bytes &&
      log.file.bytes() / 2 > self->state.core->bytes()) {
    RewriteLog(self);
    return;
  }
  const std::string records = EncodeQueueLogRecords(log.pending);
  log.pending.clear();
  if (absl::Status appended = log.file.Append(records); !appended.ok()) {
    BreakLog(self, appended);
    return;
  }
  switch (self->state.core->spec().durability) {
    case Durability::kAlways:
      SyncBatch(self);
      return;
    case Durability::kEverySec:
      SyncWithinASecond(self);
      break;
    case Durability::kNo:
    case Durability::kNone:
      break;
  }
  BatchWritten(self, StartBatch(log));
}

// Answers every operation the core has completed; a durable queue's answers
// wait until the changes before them are written (WritePending, `flushing`
// from the expire message it queued).
void Deliver(QueuePointer self, bool flushing = false) {
  std::vector<QueueCore::Completion> completions =
      self->state.core->TakeCompletions();
  if (!self->state.log) {
    for (QueueCore::Completion& done : completions) Answer(self, done);
    return;
  }
  for (QueueCore::Completion& done : completions) {
    AfterWritten(self, [self, done = std::move(done)](
                           const absl::Status& error) mutable {
      Answer(self, done, error);
    });
  }
  WritePending(self, flushing);
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
  if (self->state.log && !self->state.log->broken.ok()) {
    promise.deliver(ToError(self->state.log->broken));
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
  // Answered, or done and waiting only for its log to be written.
  if (!self->state.core->IsPending(id)) return promise;
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
                                        uint64_t max_batch_bytes,
                                        std::optional<QueueLogOptions> log) {
  self->state.core = std::make_unique<QueueCore>(
      std::move(name), std::move(spec), max_waiting, max_batch_bytes);
  if (log) {
    self->state.log = std::make_unique<DurableLog>(
        *std::move(log), self->state.core->spec().durability);
    self->state.core->set_journal(self->state.log.get());
    if (!self->state.log->options.content_follows) RewriteLog(self);
  }
  self->set_down_handler(
      [self](caf::down_msg& down) { WithdrawOwner(self, down.source); });
  self->set_exit_handler([self](caf::exit_msg& exit) {
    absl::Status reason = ToStatus(exit.reason);
    const std::string why = reason.ok() ? std::string("the queue was stopped")
                                        : std::string(reason.message());
    self->state.core->CancelAll(why);
    Deliver(self);
    if (self->state.log) {
      // Whether the last changes reached the log is not known.
      ReleaseHeld(self, absl::CancelledError(absl::StrCat(
                            "Operation was cancelled before its change was "
                            "known to be in the log: ",
                            why)));
    }
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
      [self, core](restore_atom, bool closed,
                   std::vector<Tuple>& elements) -> caf::result<caf::ok_atom> {
        core->Restore(closed, std::move(elements));
        if (!self->state.log) {
          Deliver(self);
          return caf::ok_atom::value;
        }
        RewriteLog(self);
        Deliver(self);
        auto promise = self->make_response_promise<caf::ok_atom>();
        AfterWritten(self, [promise](const absl::Status& error) mutable {
          if (error.ok()) {
            promise.deliver(caf::ok_atom::value);
          } else {
            promise.deliver(ToError(error));
          }
        });
        return promise;
      },
      [self, core](expire_atom) {
        const bool flushing =
            self->state.log &&
            std::exchange(self->state.log->flush_queued, false);
        core->ExpireUntil(QueueCore::Clock::now());
        Deliver(self, flushing);
      },
      [self](sync_atom) {
        DurableLog* durable = self->state.log.get();
        if (durable == nullptr || !durable->broken.ok()) return;
        durable->sync_due = false;
        RequestSync(self, [] {});
      },
  };
}

}  // namespace

QueueActor SpawnQueue(caf::actor_system& system, std::string name,
                      QueueSpec spec, size_t max_waiting,
                      uint64_t max_batch_bytes,
                      std::optional<QueueLogOptions> log) {
  return system.spawn(QueueBehavior, std::move(name), std::move(spec),
                      max_waiting, max_batch_bytes, std::move(log));
}

}  // namespace troupe
