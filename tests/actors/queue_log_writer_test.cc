// The durable queues' log writer: a rewrite answered with the log's bytes
// and path, syncs answered in the order asked, before a later rewrite, and
// a sync of a log it never opened refused.
#include "actors/queue_log_writer.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "doctest/doctest.h"

#include "serialization/status_error.h"
#include "support/temp_dir.h"
#include "tests/actors/test_actor_system.h"

namespace troupe {
namespace {

std::vector<QueueLogRecord> HeaderOnly() {
  QueueSpec spec;
  spec.dtypes = {DT_INT32};
  spec.shapes = {PartialShape{}};
  spec.durability = Durability::kAlways;
  return {QueueLogRecord::Header("c", "q", spec)};
}

struct WriterFixture {
  WriterFixture() : system(config), self(system) {
    auto data_dir = DataDir::Open(dir.path());
    REQUIRE(data_dir.ok());
    writer = SpawnQueueLogWriter(system, *data_dir, "/job:ps/task:0");
  }
  ~WriterFixture() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  }

  support::TempDir dir;
  TestConfig config;
  caf::actor_system system;
  caf::scoped_actor self;
  QueueLogWriterActor writer;
};

TEST_SUITE("actors") {
  TEST_CASE_FIXTURE(WriterFixture,
                    "the log writer answers a sync before a rewrite asked "
                    "for after it, and refuses a sync of a log it never "
                    "opened") {
    std::string path;
    uint64_t bytes = 0;
    self->request(writer, kBound, rewrite_atom::value, uint64_t{7},
                  std::string("q.log"), HeaderOnly())
        .receive(
            [&](uint64_t n, const std::string& p) {
              bytes = n;
              path = p;
            },
            [](caf::error& error) { FAIL(ToStatus(error)); });
    CHECK(bytes > 0);
    CHECK(path == dir.path() + "/durable-queues/ps-0/q.log");
    CHECK(dir.Read("durable-queues/ps-0/q.log").size() == bytes);

    // A sync, then a rewrite, from one actor: their answers reach it in
    // that order, and it tells this test of each as it comes.
    caf::actor observer{self};
    system.spawn([this, observer](caf::event_based_actor* asker) {
      auto tell = [observer](std::string what) {
        caf::anon_send(observer, std::move(what));
      };
      auto failed = [tell](caf::error& error) {
        tell(ToStatus(error).ToString());
      };
      asker->request(writer, kBound, sync_atom::value, uint64_t{7})
          .then([tell](caf::ok_atom) { tell("sync"); }, failed);
      asker
          ->request(writer, kBound, rewrite_atom::value, uint64_t{7},
                    std::string("q.log"), HeaderOnly())
          .then([tell](uint64_t, const std::string&) { tell("rewrite"); },
                failed);
    });
    std::vector<std::string> answers;
    for (int i = 0; i < 2; ++i) {
      self->receive([&](const std::string& what) { answers.push_back(what); },
                    caf::after(kBound) >> [] {});
    }
    CHECK(answers == std::vector<std::string>{"sync", "rewrite"});

    self->request(writer, kBound, sync_atom::value, uint64_t{8})
        .receive([](caf::ok_atom) { FAIL("synced a log never opened"); },
                 [](caf::error& error) {
                   CHECK(ToStatus(error).code() ==
                         absl::StatusCode::kFailedPrecondition);
                 });
  }
}

}  // namespace
}  // namespace troupe
