// The port guard between a client socket and an upstream socket, both held by
// the test: bytes relayed intact both ways, the log lines (none for a peer
// that sends nothing, as a reachability probe does), oversized frames,
// the announced-payload budget, a client that does not read, and the limit
// on connections. Every wait is a poll() with a deadline.
#include "cluster/port_guard.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"

#include "net/connect.h"

namespace troupe {
namespace {

const absl::Duration kLong = absl::Seconds(15);
// How long a socket must stay silent (or full) to count as such.
const absl::Duration kQuiet = absl::Milliseconds(300);

// The log lines of a guard, collected from its thread.
class LogLines {
 public:
  std::function<void(const std::string&)> Sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(line);
      changed_.notify_all();
    };
  }

  // Waits for a line that contains every one of `parts`.
  bool WaitFor(const std::vector<std::string>& parts,
               absl::Duration timeout = kLong) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, absl::ToChronoSeconds(timeout), [&] {
      for (const std::string& line : lines_) {
        bool all = true;
        for (const std::string& part : parts) {
          all = all && absl::StrContains(line, part);
        }
        if (all) return true;
      }
      return false;
    });
  }

  std::string All() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string all;
    for (const std::string& line : lines_) absl::StrAppend(&all, line, "\n");
    return all;
  }

  // The lines logged so far that contain `part`.
  int Count(const std::string& part) {
    std::lock_guard<std::mutex> lock(mutex_);
    int count = 0;
    for (const std::string& line : lines_) {
      if (absl::StrContains(line, part)) ++count;
    }
    return count;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

// A non-blocking socket, closed on destruction.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {
    if (fd_ >= 0) fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  Socket(Socket&& other) : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Socket() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

  // Port of the local end.
  uint16_t port() const {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.ss_family == AF_INET6
                     ? reinterpret_cast<sockaddr_in6&>(address).sin6_port
                     : reinterpret_cast<sockaddr_in&>(address).sin_port);
  }

  // Waits for `events`; false on timeout.
  bool Wait(short events, absl::Duration timeout) const {
    pollfd entry{fd_, events, 0};
    return poll(&entry, 1, absl::ToInt64Milliseconds(timeout)) == 1;
  }

  // Sends all of `data` (waiting for room); false on error or timeout.
  bool SendAll(const std::string& data, absl::Duration timeout = kLong) {
    const absl::Time deadline = absl::Now() + timeout;
    for (size_t done = 0; done < data.size();) {
      const ssize_t count =
          send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (count > 0) {
        done += count;
      } else if (errno != EAGAIN || !Wait(POLLOUT, deadline - absl::Now())) {
        return false;
      }
    }
    return true;
  }

  // Receives until `size` bytes came, the peer closed, or `timeout` passed.
  std::string Receive(size_t size, absl::Duration timeout = kLong) {
    std::string data;
    ReceiveUntil(&data, size, timeout);
    return data;
  }

  // Receives until the peer closes (true) or `timeout` passes (false).
  bool ReceiveToEnd(std::string* data, absl::Duration timeout = kLong) {
    return ReceiveUntil(data, std::string::npos, timeout);
  }

  // True when nothing arrives within kQuiet.
  bool Silent() const { return !Wait(POLLIN, kQuiet); }

  // Sends `chunk` again and again until the socket stays full for kQuiet;
  // returns the bytes sent, or -1 past `limit` bytes.
  int64_t FillUp(const std::string& chunk, int64_t limit) {
    int64_t total = 0;
    while (total <= limit) {
      const size_t offset = total % chunk.size();
      const ssize_t count =
          send(fd_, chunk.data() + offset, chunk.size() - offset, MSG_NOSIGNAL);
      if (count > 0) {
        total += count;
      } else if (errno != EAGAIN || !Wait(POLLOUT, kQuiet)) {
        return total;
      }
    }
    return -1;
  }

 private:
  // True when the peer closed (or reset) the connection.
  bool ReceiveUntil(std::string* data, size_t size, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    char buffer[64 * 1024];
    while (data->size() < size) {
      const ssize_t count = recv(fd_, buffer, sizeof(buffer), 0);
      if (count > 0) {
        data->append(buffer, count);
      } else if (count == 0 || errno != EAGAIN) {
        return true;
      } else if (!Wait(POLLIN, deadline - absl::Now())) {
        return false;
      }
    }
    return false;
  }

  int fd_;
};

Socket Connect(const std::string& host, uint16_t port) {
  const bool v6 = absl::StrContains(host, ':');
  Socket result(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0));
  sockaddr_storage address{};
  socklen_t length;
  if (v6) {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(address);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    inet_pton(AF_INET6, host.c_str(), &in6.sin6_addr);
    length = sizeof(in6);
  } else {
    auto& in = reinterpret_cast<sockaddr_in&>(address);
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &in.sin_addr);
    length = sizeof(in);
  }
  // Non-blocking: wait (bounded) for the connection to complete.
  if (connect(result.fd(), reinterpret_cast<sockaddr*>(&address), length) !=
          0 &&
      (errno != EINPROGRESS || !result.Wait(POLLOUT, kLong))) {
    result.Close();
  }
  return result;
}

// A socket bound to 127.0.0.1 on an ephemeral port; listening if `listen`.
Socket Bound(bool listening) {
  Socket result(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(result.fd(), reinterpret_cast<sockaddr*>(&address),
           sizeof(address)) != 0 ||
      (listening && listen(result.fd(), 16) != 0)) {
    result.Close();
  }
  return result;
}

// The test's stand-in for CAF: accepts the guard's connections.
class Upstream {
 public:
  Upstream() : listener_(Bound(/*listening=*/true)) {}
  TaskAddress address() const { return {"127.0.0.1", listener_.port()}; }

  // The next connection from the guard, or a closed socket after `timeout`.
  Socket Accept(absl::Duration timeout = kLong) {
    if (!listener_.Wait(POLLIN, timeout)) return Socket();
    return Socket(accept(listener_.fd(), nullptr, nullptr));
  }
  bool NoConnection() { return !listener_.Wait(POLLIN, kQuiet); }

 private:
  Socket listener_;
};

// A BASP header (32 bytes) announcing `payload_len` bytes, in network order.
std::string Header(uint32_t payload_len) {
  std::string header(32, '\0');
  header[0] = 1;  // direct_message
  for (int i = 0; i < 4; ++i) {
    header[4 + i] = static_cast<char>(payload_len >> (24 - 8 * i));
  }
  return header;
}

// Frames of 0..300 payload bytes, about `size` bytes in all.
std::string Frames(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string stream;
  while (stream.size() < size) {
    const uint32_t length = random() % 301;
    stream += Header(length);
    for (uint32_t i = 0; i < length; ++i) {
      stream.push_back(static_cast<char>(random()));
    }
  }
  return stream;
}

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random());
  return bytes;
}

// A guard on 127.0.0.1 in front of a test upstream, with its log collected.
struct Guard {
  explicit Guard(PortGuardOptions options = {}) {
    options.listen = {"127.0.0.1", 0};
    options.upstream = upstream.address();
    options.log = log.Sink();
    auto started = PortGuard::Start(std::move(options));
    REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    guard = std::move(*started);
  }
  Socket Connect() { return troupe::Connect("127.0.0.1", guard->port()); }

  Upstream upstream;
  LogLines log;
  std::unique_ptr<PortGuard> guard;
};

// Sends `a_out` from a to b and `b_out` from b to a at the same time; true
// when both arrived whole (in `a_in` and `b_in`) before `timeout`.
bool Exchange(Socket& a, const std::string& a_out, Socket& b,
              const std::string& b_out, std::string* a_in, std::string* b_in,
              absl::Duration timeout = absl::Seconds(60)) {
  const absl::Time deadline = absl::Now() + timeout;
  size_t a_sent = 0;
  size_t b_sent = 0;
  char buffer[64 * 1024];
  while (a_in->size() < b_out.size() || b_in->size() < a_out.size()) {
    pollfd entries[2] = {
        {a.fd(),
         static_cast<short>(POLLIN | (a_sent < a_out.size() ? POLLOUT : 0)), 0},
        {b.fd(),
         static_cast<short>(POLLIN | (b_sent < b_out.size() ? POLLOUT : 0)),
         0}};
    if (poll(entries, 2, absl::ToInt64Milliseconds(deadline - absl::Now())) <=
        0) {
      return false;
    }
    struct Side {
      pollfd& entry;
      const std::string& out;
      size_t& sent;
      std::string* in;
    } sides[2] = {{entries[0], a_out, a_sent, a_in},
                  {entries[1], b_out, b_sent, b_in}};
    for (Side& side : sides) {
      if (side.entry.revents & POLLOUT) {
        const ssize_t count = send(side.entry.fd, side.out.data() + side.sent,
                                   side.out.size() - side.sent, MSG_NOSIGNAL);
        if (count > 0) side.sent += count;
      }
      if (side.entry.revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t count = recv(side.entry.fd, buffer, sizeof(buffer), 0);
        if (count == 0 || (count < 0 && errno != EAGAIN)) return false;
        if (count > 0) side.in->append(buffer, count);
      }
    }
  }
  return true;
}

TEST_SUITE("port_guard") {
  TEST_CASE("port guard: relays 10 MiB each way intact") {
    for (const bool inspect : {true, false}) {
      CAPTURE(inspect);
      PortGuardOptions options;
      options.inspect_frames = inspect;
      Guard guard(options);
      Socket client = guard.Connect();
      Socket upstream = guard.upstream.Accept();
      REQUIRE(client.ok());
      REQUIRE(upstream.ok());
      // Uninspected bytes need not be frames: one would announce 4 GiB.
      const std::string request =
          inspect ? Frames(10 << 20, 1)
                  : Header(0xFFFFFFF0) + RandomBytes(10 << 20, 1);
      const std::string reply = RandomBytes(10 << 20, 2);
      std::string at_client;
      std::string at_upstream;
      REQUIRE(
          Exchange(client, request, upstream, reply, &at_client, &at_upstream));
      CHECK(at_upstream == request);
      CHECK(at_client == reply);
    }
  }

  TEST_CASE("port guard: logs a connection opened at its first byte") {
    Guard guard;
    const std::string prefix = "connection from 127.0.0.1:";
    {
      Socket client = guard.Connect();
      Socket upstream = guard.upstream.Accept();
      REQUIRE(upstream.ok());
      const std::string peer = absl::StrCat(prefix, client.port());
      const std::string frame = Header(3) + "abc";
      REQUIRE(client.SendAll(frame.substr(0, 1)));
      CHECK(guard.log.WaitFor({absl::StrCat(peer, " opened")}));
      REQUIRE(client.SendAll(frame.substr(1)));
      client.Close();
      std::string received;
      CHECK(upstream.ReceiveToEnd(&received));
      CHECK(received == frame);
      CHECK(guard.log.WaitFor({peer, " closed by the peer after ", " s"}));
      CHECK(guard.log.Count(absl::StrCat(peer, " opened")) == 1);
    }
    {
      Socket client = guard.Connect();
      Socket upstream = guard.upstream.Accept();
      REQUIRE(upstream.ok());
      const std::string peer = absl::StrCat(prefix, client.port());
      REQUIRE(client.SendAll(Header(0)));
      CHECK(upstream.Receive(32) == Header(0));
      REQUIRE(upstream.SendAll("reply"));
      upstream.Close();
      std::string received;
      CHECK(client.ReceiveToEnd(&received));
      CHECK(received == "reply");
      CHECK(guard.log.WaitFor({peer, " closed by the task after "}));
      CHECK(guard.log.Count(absl::StrCat(peer, " opened")) == 1);
    }
    {
      // The guard closes what is open when it stops.
      Socket client = guard.Connect();
      Socket upstream = guard.upstream.Accept();
      REQUIRE(upstream.ok());
      guard.guard.reset();
      std::string received;
      CHECK(client.ReceiveToEnd(&received));
    }
  }

  TEST_CASE("port guard: a connection that sends nothing is not logged") {
    // Each peer below sends nothing and closes; the guard would log before it
    // closes the upstream end, which the test waits for.
    Guard guard;
    {
      Socket client = guard.Connect();
      Socket upstream = guard.upstream.Accept();
      REQUIRE(upstream.ok());
      client.Close();
      std::string received;
      REQUIRE(upstream.ReceiveToEnd(&received));
    }
    {
      // The task speaks first, as CAF's handshake does: the peer closes with
      // those bytes unread, which resets its connection.
      Socket client = guard.Connect();
      Socket upstream = guard.upstream.Accept();
      REQUIRE(upstream.ok());
      REQUIRE(upstream.SendAll("handshake"));
      REQUIRE(client.Wait(POLLIN, kLong));
      client.Close();
      std::string received;
      REQUIRE(upstream.ReceiveToEnd(&received));
    }
    {
      // OpenConnection's bounded connect, made before every CAF connect.
      REQUIRE(OpenConnection({"127.0.0.1", guard.guard->port()}, kLong).ok());
      Socket upstream = guard.upstream.Accept();
      REQUIRE(upstream.ok());
      std::string received;
      REQUIRE(upstream.ReceiveToEnd(&received));
    }
    CHECK_MESSAGE(guard.log.All().empty(), guard.log.All());
  }

  TEST_CASE("port guard: an unreachable task closes the client") {
    Socket not_listening = Bound(/*listening=*/false);
    LogLines log;
    PortGuardOptions options;
    options.listen = {"127.0.0.1", 0};
    options.upstream = {"127.0.0.1", not_listening.port()};
    options.log = log.Sink();
    auto guard = PortGuard::Start(options);
    REQUIRE(guard.ok());
    Socket client = Connect("127.0.0.1", (*guard)->port());
    std::string received;
    CHECK(client.ReceiveToEnd(&received));
    // Logged though the client sent nothing: the fault is the task's.
    CHECK(log.WaitFor({absl::StrCat("connection from 127.0.0.1:", client.port(),
                                    " lost: cannot reach the task at ",
                                    options.upstream.ToString(),
                                    ": Connection refused after ")}));
  }

  TEST_CASE("port guard: a port in use is UNAVAILABLE") {
    Socket taken = Bound(/*listening=*/true);
    PortGuardOptions options;
    options.listen = {"127.0.0.1", taken.port()};
    options.upstream = {"127.0.0.1", 1};
    auto guard = PortGuard::Start(options);
    REQUIRE_FALSE(guard.ok());
    CHECK(absl::IsUnavailable(guard.status()));
    CHECK(guard.status().message() ==
          absl::StrCat("Cannot serve on 127.0.0.1:", taken.port(),
                       ": Address already in use"));
  }

  TEST_CASE("port guard: serves on IPv6 and names IPv6 peers in brackets") {
    Socket probe(socket(AF_INET6, SOCK_STREAM, 0));
    sockaddr_in6 loopback{};
    loopback.sin6_family = AF_INET6;
    loopback.sin6_addr = in6addr_loopback;
    if (!probe.ok() || bind(probe.fd(), reinterpret_cast<sockaddr*>(&loopback),
                            sizeof(loopback)) != 0) {
      MESSAGE("skipped: no IPv6 loopback");
      return;
    }
    Upstream upstream;
    LogLines log;
    PortGuardOptions options;
    options.listen = {"::1", 0};
    options.upstream = upstream.address();
    options.log = log.Sink();
    auto guard = PortGuard::Start(options);
    REQUIRE_MESSAGE(guard.ok(), guard.status().ToString());
    Socket client = Connect("::1", (*guard)->port());
    Socket relayed = upstream.Accept();
    REQUIRE(relayed.ok());
    REQUIRE(client.SendAll(Header(0)));
    CHECK(relayed.Receive(32) == Header(0));
    CHECK(log.WaitFor(
        {absl::StrCat("connection from [::1]:", client.port(), " opened")}));
  }

  TEST_CASE("port guard: a frame above the limit closes its connection") {
    Guard guard;
    Socket client = guard.Connect();
    Socket upstream = guard.upstream.Accept();
    REQUIRE(upstream.ok());
    const std::string frame = Header(5) + "12345";
    REQUIRE(client.SendAll(frame + Header(0xFFFFFFF0)));
    std::string at_upstream;
    CHECK(upstream.ReceiveToEnd(&at_upstream));
    CHECK(at_upstream == frame);  // Nothing of the oversized header.
    std::string at_client;
    CHECK(client.ReceiveToEnd(&at_client));
    CHECK(guard.log.WaitFor({absl::StrCat(
        "connection from 127.0.0.1:", client.port(),
        " closed: a frame of 4294967280 bytes exceeds the limit of "
        "1073741824 after ")}));
  }

  TEST_CASE("port guard: announced payloads share a budget") {
    PortGuardOptions options;
    options.announced_budget_bytes = 1000;
    Guard guard(options);
    Socket a = guard.Connect();
    Socket a_up = guard.upstream.Accept();
    REQUIRE(a_up.ok());
    REQUIRE(a.SendAll(Header(600)));
    CHECK(a_up.Receive(32) == Header(600));

    // 600 announced by a, not yet forwarded: b's 600 must wait.
    Socket b = guard.Connect();
    Socket b_up = guard.upstream.Accept();
    REQUIRE(b_up.ok());
    REQUIRE(b.SendAll(Header(600) + "0123456789"));
    CHECK(b_up.Silent());
    // 500 still announced: still no room.
    REQUIRE(a.SendAll(std::string(100, 'a')));
    CHECK(a_up.Receive(100) == std::string(100, 'a'));
    CHECK(b_up.Silent());
    // a's payload went through: b's frame follows.
    REQUIRE(a.SendAll(std::string(500, 'a')));
    CHECK(a_up.Receive(500) == std::string(500, 'a'));
    CHECK(b_up.Receive(42) == Header(600) + "0123456789");

    // A frame larger than the whole budget is refused.
    Socket c = guard.Connect();
    Socket c_up = guard.upstream.Accept();
    REQUIRE(c_up.ok());
    REQUIRE(c.SendAll(Header(1001)));
    std::string at_upstream;
    CHECK(c_up.ReceiveToEnd(&at_upstream));
    CHECK(at_upstream.empty());
    CHECK(guard.log.WaitFor(
        {"closed: a frame of 1001 bytes exceeds the limit of 1000 after "}));
  }

  TEST_CASE("port guard: a client that does not read is not read either") {
    PortGuardOptions options;
    options.buffer_bytes = 64 * 1024;
    Guard guard(options);
    Socket client = guard.Connect();
    Socket upstream = guard.upstream.Accept();
    REQUIRE(upstream.ok());
    // Kernel buffers on both sides of the guard, and the guard's buffer.
    constexpr int64_t kBound = int64_t{64} << 20;
    const int64_t replies = upstream.FillUp(std::string(1000, 'r'), kBound);
    CHECK(replies > 0);
    CHECK(replies != -1);
    // The guard's reply buffer is full: it reads no more requests, so the
    // client's sends block and the upstream receives none of them.
    const std::string frames = Frames(64 * 1024, 3);
    const int64_t requests = client.FillUp(frames, kBound);
    CHECK(requests > 0);
    CHECK(requests != -1);
    CHECK(upstream.Silent());
    // Once the client reads, everything flows again.
    const std::string at_client = client.Receive(replies);
    CHECK(at_client.size() == static_cast<size_t>(replies));
    CHECK(at_client.find_first_not_of('r') == std::string::npos);
    const std::string at_upstream = upstream.Receive(requests);
    REQUIRE(at_upstream.size() == static_cast<size_t>(requests));
    for (size_t i = 0; i < at_upstream.size(); i += frames.size()) {
      CHECK(at_upstream.compare(i, frames.size(), frames, 0,
                                at_upstream.size() - i) == 0);
    }
  }

  TEST_CASE(
      "port guard: past the limit, the oldest silent connection makes room; "
      "when every peer has spoken, new ones are refused") {
    PortGuardOptions options;
    options.max_connections = 2;
    Guard guard(options);
    Socket a = guard.Connect();
    Socket a_up = guard.upstream.Accept();
    REQUIRE(a_up.ok());
    REQUIRE(a.SendAll(Header(0)));
    CHECK(a_up.Receive(32) == Header(0));
    Socket b = guard.Connect();
    Socket b_up = guard.upstream.Accept();
    REQUIRE(b_up.ok());
    // b has sent nothing: c takes its place.
    Socket c = guard.Connect();
    std::string received;
    CHECK(b.ReceiveToEnd(&received));
    CHECK(guard.log.WaitFor({absl::StrCat(
        "connection from 127.0.0.1:", b.port(), " closed to make room")}));
    Socket c_up = guard.upstream.Accept();
    REQUIRE(c_up.ok());
    REQUIRE(c.SendAll(Header(0)));
    CHECK(c_up.Receive(32) == Header(0));
    // Every peer has spoken: d is refused, and logged before it sends.
    Socket d = guard.Connect();
    CHECK(d.ReceiveToEnd(&received));
    CHECK(guard.upstream.NoConnection());
    CHECK(
        guard.log.WaitFor({absl::StrCat("connection from 127.0.0.1:", d.port(),
                                        " refused: 2 connections are open")}));
    const uint16_t a_port = a.port();
    a.Close();
    CHECK(guard.log.WaitFor({absl::StrCat("connection from 127.0.0.1:", a_port,
                                          " closed by the peer")}));
    Socket e = guard.Connect();
    CHECK(guard.upstream.Accept().ok());
  }
}

}  // namespace
}  // namespace troupe
