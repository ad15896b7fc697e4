// Unit tests for cluster/transport.h: ProbeTask, the bounded connect that
// guards CAF's unbounded one.
#include "cluster/transport.h"

#include <unistd.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "doctest/doctest.h"

#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

// A listening socket on 127.0.0.1 with an ephemeral port and `backlog`.
struct Listener {
  explicit Listener(int backlog) {
    fd = testing::ListenOnLoopback(backlog, &port);
    REQUIRE(fd >= 0);
  }
  ~Listener() { close(fd); }

  int fd = -1;
  uint16_t port = 0;
};

TEST_SUITE("transport") {
  TEST_CASE("ProbeTask is OK for a listening port") {
    Listener listener(8);
    CHECK(ProbeTask({"127.0.0.1", listener.port}, absl::Seconds(5)).ok());
  }

  TEST_CASE("ProbeTask is UNAVAILABLE at once for a closed port") {
    uint16_t port = 0;
    {
      Listener gone(1);
      port = gone.port;
    }
    absl::Status status = ProbeTask({"127.0.0.1", port}, absl::Seconds(5));
    CHECK(absl::IsUnavailable(status));
    CHECK(absl::StrContains(status.message(), "Connection refused"));
  }

  TEST_CASE("ProbeTask gives up after its timeout when nothing answers") {
    // A listener whose accept queue is full drops further SYNs, as a host
    // gone from the network does.
    Listener listener(0);
    std::vector<int> queued;
    absl::Status status;
    for (int i = 0; i < 8 && status.ok(); ++i) {
      queued.push_back(testing::ConnectToLoopback(listener.port));
      const absl::Time start = absl::Now();
      status = ProbeTask({"127.0.0.1", listener.port}, absl::Milliseconds(300));
      if (!status.ok()) {
        const absl::Duration took = absl::Now() - start;
        MESSAGE("the probe gave up after ", absl::FormatDuration(took));
        CHECK(took >= absl::Milliseconds(300));
        CHECK(took < absl::Seconds(3));
      }
    }
    for (int fd : queued) {
      if (fd >= 0) close(fd);
    }
    CHECK(absl::IsUnavailable(status));
    CHECK(absl::StrContains(status.message(), "no answer within 300ms"));
  }
}

}  // namespace
}  // namespace troupe
