// A durable queue actor against a log writer the test drives: which changes
// go in which batch (written and synced together), and that a batch held
// back for more changes is written when none come. Every wait is bounded by
// kBound; nothing sleeps.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "doctest/doctest.h"

#include "actors/queue_actor.h"
#include "formats/queue_log.h"
#include "serialization/status_error.h"
#include "support/temp_dir.h"
#include "tests/actors/test_actor_system.h"

namespace troupe {
namespace {

using release_atom = caf::atom_constant<caf::atom("release")>;
using batch_atom = caf::atom_constant<caf::atom("batch")>;
using burst_atom = caf::atom_constant<caf::atom("burst")>;

// A log writer the test drives: it writes a rewrite's records to a file in
// `dir`, tells `observer` how many records each batch (a rewrite, or the
// changes the queue wrote before it asked for a sync) holds, and answers the
// batches only when it is sent release_atom (and then answers that).
using FakeWriterActor = QueueLogWriterActor::extend<
    caf::replies_to<release_atom>::with<caf::ok_atom>>;

struct FakeWriterState {
  std::string file;
  uint64_t bytes = 0;
  // The elements the log held at the last batch.
  size_t elements = 0;
  std::vector<caf::typed_response_promise<uint64_t, std::string>> rewrites;
  std::vector<caf::typed_response_promise<caf::ok_atom>> syncs;
  static inline const char* name = "fake_log_writer";
};

// The elements the log `file` in `dir` holds.
size_t LoggedElements(const support::TempDir& dir, const std::string& file) {
  auto replayed = ReplayQueueLog(dir.Read(file), file, 1 << 20);
  REQUIRE(replayed.ok());
  return replayed->elements.size();
}

FakeWriterActor::behavior_type FakeWriter(
    FakeWriterActor::stateful_pointer<FakeWriterState> self,
    const support::TempDir* dir, caf::actor observer) {
  return {
      [self, dir, observer](rewrite_atom, uint64_t, const std::string& file,
                            const std::vector<QueueLogRecord>& records) {
        const std::string bytes = EncodeQueueLogRecords(records);
        self->state.file = file;
        dir->Write(file, bytes);
        self->state.bytes = bytes.size();
        self->state.elements = LoggedElements(*dir, file);
        caf::anon_send(observer, batch_atom::value,
                       static_cast<uint64_t>(records.size()));
        auto promise = self->make_response_promise<uint64_t, std::string>();
        self->state.rewrites.push_back(promise);
        return promise;
      },
      [self, dir, observer](sync_atom, uint64_t) {
        const size_t elements = LoggedElements(*dir, self->state.file);
        caf::anon_send(observer, batch_atom::value,
                       static_cast<uint64_t>(elements - self->state.elements));
        self->state.elements = elements;
        auto promise = self->make_response_promise<caf::ok_atom>();
        self->state.syncs.push_back(promise);
        return promise;
      },
      [](remove_atom, uint64_t) {},
      [](sync_atom) {},
      [self, dir](release_atom) {
        for (auto& promise : self->state.rewrites)
          promise.deliver(self->state.bytes,
                          absl::StrCat(dir->path(), "/", self->state.file));
        for (auto& promise : self->state.syncs)
          promise.deliver(caf::ok_atom::value);
        self->state.rewrites.clear();
        self->state.syncs.clear();
        return caf::ok_atom::value;
      },
  };
}

QueueSpec DurableInts(Durability durability) {
  QueueSpec spec;
  spec.capacity = 100;
  spec.dtypes = {DT_INT32};
  spec.shapes = {PartialShape{}};
  spec.durability = durability;
  return spec;
}

Tuple Int(int32_t value) { return {Tensor::Scalar<int32_t>(value)}; }

// Sends enqueues of first, first + 1, ... (count of them) to `queue` at
// once, and tells `observer` how many were answered OK once all are. On a
// system of one scheduler thread, they are all in the queue's mailbox before
// the queue runs.
void Burst(caf::event_based_actor* self, QueueActor queue, caf::actor observer,
           int32_t first, int32_t count) {
  auto answered = std::make_shared<int32_t>(0);
  auto ok = std::make_shared<int32_t>(0);
  auto one_more = [=] {
    if (++*answered == count) caf::anon_send(observer, burst_atom::value, *ok);
  };
  for (int32_t i = first; i < first + count; ++i) {
    self->request(queue, kBound, enqueue_atom::value, Int(i), kNoTimeout)
        .then(
            [=](caf::ok_atom) {
              ++*ok;
              one_more();
            },
            [=](caf::error&) { one_more(); });
  }
}

class DurableQueueFixture {
 public:
  explicit DurableQueueFixture(int scheduler_threads = 2,
                               Durability durability = Durability::kAlways)
      : config(scheduler_threads), system(config), self(system) {
    writer = system.spawn(FakeWriter, &dir, caf::actor{self});
    QueueLogOptions log;
    log.writer = writer;
    log.container = "c";
    log.file = "q.log";
    queue = SpawnQueue(system, "q", DurableInts(durability), kDefaultMaxWaiting,
                       uint64_t{1} << 30, std::move(log));
  }
  ~DurableQueueFixture() {
    caf::anon_send_exit(queue, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  }

  using Reply = caf::response_handle<caf::blocking_actor, caf::message, true>;

  // Enqueues first, first + 1, ... (count of them) without waiting.
  std::vector<Reply> Enqueue(int32_t first, int32_t count) {
    std::vector<Reply> replies;
    for (int32_t i = first; i < first + count; ++i) {
      replies.push_back(self->request(caf::actor_cast<caf::actor>(queue),
                                      kBound, enqueue_atom::value, Int(i),
                                      kNoTimeout));
    }
    return replies;
  }

  // Whether every enqueue of `replies` was answered OK.
  static bool AllOk(std::vector<Reply>& replies) {
    bool all_ok = true;
    for (Reply& reply : replies) {
      reply.receive([](caf::ok_atom) {},
                    [&](caf::error& error) {
                      all_ok = false;
                      FAIL_CHECK(ToStatus(error));
                    });
    }
    return all_ok;
  }

  // The record count of the next batch the writer takes; 0 if none comes.
  uint64_t NextBatch() {
    uint64_t records = 0;
    self->receive([&](batch_atom, uint64_t n) { records = n; },
                  caf::after(kBound) >> [] {});
    return records;
  }

  support::TempDir dir;
  TestConfig config;
  caf::actor_system system;
  caf::scoped_actor self;
  FakeWriterActor writer;
  QueueActor queue;
};

struct OneThreadFixture : DurableQueueFixture {
  OneThreadFixture() : DurableQueueFixture(1) {}
};

struct EverySecFixture : DurableQueueFixture {
  EverySecFixture() : DurableQueueFixture(2, Durability::kEverySec) {}
};

TEST_SUITE("actors") {
  TEST_CASE_FIXTURE(DurableQueueFixture,
                    "a durable queue writes the changes made while a batch "
                    "was written as one batch, and answers them once it is "
                    "written") {
    REQUIRE(NextBatch() == 1);  // the log's header
    std::vector<Reply> burst = Enqueue(0, 8);
    // Behind the eight in the queue's mailbox: the header's write ends.
    caf::anon_send(writer, release_atom::value);
    CHECK(NextBatch() == 8);
    caf::anon_send(writer, release_atom::value);
    CHECK(AllOk(burst));
  }

  TEST_CASE_FIXTURE(OneThreadFixture,
                    "a durable queue writes the changes of requests that "
                    "arrived together as one batch, though no batch was "
                    "being written") {
    REQUIRE(NextBatch() == 1);  // the log's header
    // The writer answers the queue before it answers this release, so once
    // the size request behind that answer is answered, no batch is in
    // flight.
    self->request(writer, kBound, release_atom::value)
        .receive([](caf::ok_atom) {},
                 [](caf::error& error) { FAIL(ToStatus(error)); });
    self->request(queue, kBound, size_atom::value)
        .receive([](int32_t) {},
                 [](caf::error& error) { FAIL(ToStatus(error)); });
    system.spawn(Burst, queue, caf::actor{self}, 0, 8);
    CHECK(NextBatch() == 8);
    caf::anon_send(writer, release_atom::value);
    int32_t ok = -1;
    self->receive([&](burst_atom, int32_t n) { ok = n; },
                  caf::after(kBound) >> [] {});
    CHECK(ok == 8);
  }

  TEST_CASE_FIXTURE(DurableQueueFixture,
                    "a durable queue that holds a batch back for more "
                    "changes writes it when none come") {
    REQUIRE(NextBatch() == 1);  // the log's header, not yet written
    // Behind the four in the queue's mailbox: the header's write ends, so
    // the four go as one batch.
    std::vector<Reply> burst = Enqueue(0, 4);
    caf::anon_send(writer, release_atom::value);
    REQUIRE(NextBatch() == 4);
    caf::anon_send(writer, release_atom::value);
    CHECK(AllOk(burst));
    // So the next batch waits for as many changes; a lone enqueue must still
    // be written and answered.
    std::vector<Reply> lone = Enqueue(4, 1);
    CHECK(NextBatch() == 1);
    caf::anon_send(writer, release_atom::value);
    CHECK(AllOk(lone));
    int32_t size = -1;
    self->request(queue, kBound, size_atom::value)
        .receive([&](int32_t n) { size = n; }, [](caf::error&) {});
    CHECK(size == 5);
  }

  TEST_CASE_FIXTURE(EverySecFixture,
                    "an everysec durable queue answers once its change is "
                    "written, and has it synced within a second") {
    REQUIRE(NextBatch() == 1);  // the log's header
    caf::anon_send(writer, release_atom::value);
    std::vector<Reply> one = Enqueue(0, 1);
    // No sync was answered: the writer answers only when released.
    CHECK(AllOk(one));
    CHECK(LoggedElements(dir, "q.log") == 1);
    CHECK(NextBatch() == 1);
  }
}

}  // namespace
}  // namespace troupe
