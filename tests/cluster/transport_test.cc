// Unit tests for net/connect.h: OpenConnection, the connect with a timeout;
// net/listener.h, a task's listening socket; and config/resolve.h, the
// resolver both use.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "doctest/doctest.h"

#include "config/resolve.h"
#include "net/connect.h"
#include "net/listener.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

// Not a valid host name (it has spaces): glibc finds it in no /etc/hosts and
// sends no DNS query for it, so no test waits on the network.
const TaskAddress kUnknownHost = {"no such host", 2222};

// The IPv4 address and port of `resolved`, as "A.B.C.D:PORT".
std::string Ipv4(const SocketAddress& resolved) {
  REQUIRE(resolved.family() == AF_INET);
  REQUIRE(resolved.length == sizeof(sockaddr_in));
  const auto& in = reinterpret_cast<const sockaddr_in&>(resolved.storage);
  char host[INET_ADDRSTRLEN];
  REQUIRE(inet_ntop(AF_INET, &in.sin_addr, host, sizeof(host)) != nullptr);
  return TaskAddress{host, ntohs(in.sin_port)}.ToString();
}

// A listening socket on 127.0.0.1 with an ephemeral port and `backlog`.
struct LoopbackListener {
  explicit LoopbackListener(int backlog) {
    fd = testing::ListenOnLoopback(backlog, &port);
    REQUIRE(fd >= 0);
  }
  ~LoopbackListener() { close(fd); }

  int fd = -1;
  uint16_t port = 0;
};

TEST_SUITE("transport") {
  TEST_CASE("ResolveTaskAddress resolves a numeric loopback address") {
    absl::StatusOr<SocketAddress> resolved =
        ResolveTaskAddress({"127.0.0.1", 2222}, AddressUse::kConnect);
    REQUIRE_MESSAGE(resolved.ok(), resolved.status().ToString());
    CHECK(Ipv4(*resolved) == "127.0.0.1:2222");
  }

  TEST_CASE("ResolveTaskAddress takes \"*\" as every address to listen on") {
    absl::StatusOr<SocketAddress> resolved =
        ResolveTaskAddress({"*", 2222}, AddressUse::kListen);
    REQUIRE_MESSAGE(resolved.ok(), resolved.status().ToString());
    CHECK(Ipv4(*resolved) == "0.0.0.0:2222");
  }

  TEST_CASE("ResolveTaskAddress is UNAVAILABLE at once for an unknown host") {
    const absl::Time start = absl::Now();
    absl::StatusOr<SocketAddress> resolved =
        ResolveTaskAddress(kUnknownHost, AddressUse::kConnect);
    CHECK(absl::Now() - start < absl::Seconds(2));
    REQUIRE_FALSE(resolved.ok());
    CHECK(absl::IsUnavailable(resolved.status()));
    CHECK(resolved.status().message() == gai_strerror(EAI_NONAME));
  }

  TEST_CASE("OpenConnection is UNAVAILABLE naming an unknown host") {
    absl::Status status =
        OpenConnection(kUnknownHost, absl::Seconds(5)).status();
    CHECK(absl::IsUnavailable(status));
    CHECK(status.message() ==
          absl::StrCat("Cannot connect to task at no such host:2222: ",
                       gai_strerror(EAI_NONAME)));
  }

  TEST_CASE("OpenConnection is OK for a listening port") {
    LoopbackListener listener(8);
    CHECK(OpenConnection({"127.0.0.1", listener.port}, absl::Seconds(5)).ok());
  }

  TEST_CASE("OpenConnection is UNAVAILABLE at once for a closed port") {
    uint16_t port = 0;
    {
      LoopbackListener gone(1);
      port = gone.port;
    }
    absl::Status status =
        OpenConnection({"127.0.0.1", port}, absl::Seconds(5)).status();
    CHECK(absl::IsUnavailable(status));
    CHECK(absl::StrContains(status.message(), "Connection refused"));
  }

  TEST_CASE("Listen binds a free port that OpenConnection reaches") {
    absl::StatusOr<Listener> listener = Listen({"127.0.0.1", 0});
    REQUIRE_MESSAGE(listener.ok(), listener.status().ToString());
    CHECK(listener->port != 0);
    CHECK(OpenConnection({"127.0.0.1", listener->port}, absl::Seconds(5)).ok());
  }

  TEST_CASE("Listen is UNAVAILABLE naming the address when it is taken") {
    absl::StatusOr<Listener> first = Listen({"127.0.0.1", 0});
    REQUIRE(first.ok());
    const TaskAddress taken = {"127.0.0.1", first->port};
    absl::Status status = Listen(taken).status();
    CHECK(absl::IsUnavailable(status));
    CHECK_MESSAGE(
        absl::StrContains(status.message(),
                          absl::StrCat("Cannot serve on ", taken.ToString(),
                                       ": Address already in use")),
        status.ToString());
  }

  TEST_CASE("OpenConnection gives up after its timeout when nothing answers") {
    // A listener whose accept queue is full drops further SYNs, as a host
    // gone from the network does.
    LoopbackListener listener(0);
    std::vector<int> queued;
    absl::Status status;
    for (int i = 0; i < 8 && status.ok(); ++i) {
      queued.push_back(testing::ConnectToLoopback(listener.port));
      const absl::Time start = absl::Now();
      status =
          OpenConnection({"127.0.0.1", listener.port}, absl::Milliseconds(300))
              .status();
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
