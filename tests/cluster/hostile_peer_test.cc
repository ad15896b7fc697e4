// Hostile peers on a real task's port: frame headers announcing 4 GiB, and a
// client that sends requests but never reads its replies.
// Both must leave the task's memory bounded and the task serving.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "doctest/doctest.h"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "serialization/wire_messages.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/session_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using testing::LocalCluster;
using testing::ResidentBytes;

constexpr int64_t kMiB = 1024 * 1024;
// How much a task's resident memory may grow while a hostile peer tries to
// make it grow. Under AddressSanitizer freed memory stays in its quarantine
// (256 MiB by default) before it is reused, which shows up as resident.
#if defined(__SANITIZE_ADDRESS__)
constexpr int64_t kMaxGrowth = 64 * kMiB + 256 * kMiB;
#else
constexpr int64_t kMaxGrowth = 64 * kMiB;
#endif

// True when `fd` becomes ready for `events` within `timeout`.
bool PollFor(int fd, short events, absl::Duration timeout) {
  pollfd entry{fd, events, 0};
  return poll(&entry, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) >
         0;
}

// The bytes that came on `fd` and are not read yet.
int UnreadBytes(int fd) {
  int bytes = 0;
  REQUIRE(ioctl(fd, FIONREAD, &bytes) == 0);
  return bytes;
}

// True when the peer closes `fd` (EOF or reset) within `timeout`; data
// before the close is read and dropped.
bool ClosedWithin(int fd, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[4096];
  while (absl::Now() < deadline) {
    if (!PollFor(fd, POLLIN, deadline - absl::Now())) continue;
    if (recv(fd, buffer, sizeof(buffer), 0) <= 0) return true;
  }
  return false;
}

// Relays one connection from a client to `task_port` through a loopback port
// of its own and records the bytes the client sent: a real client's frames.
class Recorder {
 public:
  Recorder() : listen_fd_(testing::ListenOnLoopback(1, &port_)) {}
  ~Recorder() {
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  uint16_t port() const { return port_; }

  // Accepts clients until one sends something (a session first probes the
  // port with a connection that sends nothing), relays it until it closes
  // (bounded by `timeout`) and returns what it sent.
  std::string RecordOne(uint16_t task_port, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    std::string sent;
    while (sent.empty() && absl::Now() < deadline) {
      sent = RecordNext(task_port, deadline);
    }
    return sent;
  }

 private:
  std::string RecordNext(uint16_t task_port, absl::Time deadline) {
    std::string sent;
    if (listen_fd_ < 0 || !PollFor(listen_fd_, POLLIN, deadline - absl::Now()))
      return sent;
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    int task = testing::ConnectToLoopback(task_port);
    char buffer[65536];
    while (client >= 0 && task >= 0 && absl::Now() < deadline) {
      pollfd fds[2] = {{client, POLLIN, 0}, {task, POLLIN, 0}};
      if (poll(fds, 2, 100) <= 0) continue;
      if (fds[0].revents != 0) {
        ssize_t n = recv(client, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        sent.append(buffer, static_cast<size_t>(n));
        if (send(task, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n)
          break;
      }
      if (fds[1].revents != 0) {
        ssize_t n = recv(task, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        if (send(client, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n)
          break;
      }
    }
    if (client >= 0) close(client);
    if (task >= 0) close(task);
    return sent;
  }

  uint16_t port_ = 0;
  int listen_fd_;
};

// Splits a client's recorded byte stream on Troupe's wire into its
// handshake and its frames.
std::vector<std::string> WireFrames(const std::string& stream) {
  std::vector<std::string> pieces;
  if (stream.size() < kHandshakeBytes) return pieces;
  pieces.push_back(stream.substr(0, kHandshakeBytes));
  size_t at = kHandshakeBytes;
  while (stream.size() - at >= kFrameHeaderBytes) {
    uint64_t frame_bytes = 0;
    std::memcpy(&frame_bytes, &stream[at + 8], sizeof(frame_bytes));
    if (stream.size() - at < frame_bytes) break;
    pieces.push_back(stream.substr(at, frame_bytes));
    at += frame_bytes;
  }
  return pieces;
}

QueueOptions IntQueue(const std::string& name) {
  QueueOptions options;
  options.capacity = 10;
  options.dtypes = {DT_INT32};
  options.shapes = {{}};
  options.shared_name = name;
  return options;
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: frame headers announcing 4 GiB are refused, the task's memory "
      "stays bounded and it serves on") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, IntQueue("q"));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}));
    const pid_t pid = cluster.task()->process().pid();
    const int64_t before = ResidentBytes(pid);

    for (int connection = 0; connection < 4; ++connection) {
      int fd = testing::ConnectToLoopback(cluster.port());
      REQUIRE(fd >= 0);
      char bytes[kHandshakeBytes + kFrameHeaderBytes];
      EncodeHandshake(Handshake{kProtocolVersion, 0, 0}, bytes);
      FrameHeader header;
      header.kind = static_cast<uint16_t>(MessageKind::kEnqueue);
      header.frame_bytes = uint64_t{4} << 30;
      header.request_id = 1;
      EncodeFrameHeader(header, bytes + kHandshakeBytes);
      REQUIRE(send(fd, bytes, sizeof(bytes), MSG_NOSIGNAL) ==
              static_cast<ssize_t>(sizeof(bytes)));
      CHECK(ClosedWithin(fd, absl::Seconds(10)));
      close(fd);
    }
    const int64_t after = ResidentBytes(pid);
    INFO("resident before ", before, " after ", after);
    CHECK(after - before < kMaxGrowth);
    CHECK(cluster.task()->process().WaitForLog(
        {"Frame of 4294967296 bytes is over the limit max_frame_bytes"}));
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 1);
  }

  TEST_CASE(
      "cluster: a client that never reads its replies cannot grow the "
      "task's memory") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    FIFOQueue q(session, IntQueue("q"));
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(1)}));

    // A real client's frames: `troupe ctl size q`, recorded on its way.
    Recorder recorder;
    testing::Process ctl(
        {testing::TroupeBinary(), "ctl", "--target",
         absl::StrCat("127.0.0.1:", recorder.port()), "size", "q"},
        cluster.dir().path() + "/ctl.log");
    REQUIRE(ctl.started());
    std::vector<std::string> frames =
        WireFrames(recorder.RecordOne(cluster.port(), absl::Seconds(15)));
    REQUIRE(ctl.WaitExit(absl::Seconds(15)).has_value());
    REQUIRE_MESSAGE(ctl.Log() == "1\n", ctl.Log());
    size_t last_request = frames.size();
    for (size_t i = 1; i < frames.size(); ++i) {
      if (static_cast<uint8_t>(frames[i][0]) ==
          static_cast<uint8_t>(MessageKind::kSize)) {
        last_request = i;
      }
    }
    REQUIRE(last_request < frames.size());

    // Replay them, then send that last request again and again, never
    // reading a reply, until the task stops reading (or 256 MiB went out).
    const pid_t pid = cluster.task()->process().pid();
    const int64_t before = ResidentBytes(pid);
    int fd = testing::ConnectToLoopback(cluster.port());
    REQUIRE(fd >= 0);
    std::string requests;
    while (requests.size() < 1024 * 1024) requests += frames[last_request];
    std::string pending;
    for (size_t i = 0; i <= last_request; ++i) pending += frames[i];
    size_t offset = 0;
    int64_t sent = 0;
    while (sent < 256 * kMiB) {
      if (offset == pending.size()) {
        pending = requests;
        offset = 0;
      }
      // The task also pauses reading while 4096 requests wait to be served;
      // on a slow machine (ASan, both cores busy) that pause can last many
      // seconds, and replies that all fit in the kernel's buffers would
      // never stall. So only a pause of 10 s in which no reply arrived
      // either ends the sending: the task has stopped reading for good, its
      // unsent replies piling up. (Replies stop arriving once our receive
      // buffer is full, so this wait is bounded too.)
      const int replies_before = UnreadBytes(fd);
      if (!PollFor(fd, POLLOUT, absl::Seconds(10))) {
        if (UnreadBytes(fd) == replies_before) break;
        continue;
      }
      ssize_t n = send(fd, pending.data() + offset, pending.size() - offset,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0) break;  // Closed by the task: also bounded.
      sent += n;
      offset += static_cast<size_t>(n);
    }
    const int64_t after = ResidentBytes(pid);
    MESSAGE("a non-reading client sent ", sent / kMiB,
            " MiB of requests before the task stopped reading; task memory "
            "grew by ",
            (after - before) / kMiB, " MiB");
    CHECK(sent < 64 * kMiB);
    CHECK(after - before < kMaxGrowth);
    // The task closes a connection whose client reads no reply for the
    // heartbeat timeout ("closed: its client read no reply for 4s"). On a
    // slow machine the task may pause reading for longer than that while
    // it serves 4096 waiting requests; a frame it had begun to read then
    // closes the connection first ("closed: its frame made no progress for
    // 4s"). Either way the connection goes, and its memory with it.
    CHECK(cluster.task()->process().WaitForLog({"closed: its "}));
    CHECK(ClosedWithin(fd, absl::Seconds(15)));
    close(fd);
    auto size = q.size();
    REQUIRE_OK(size);
    CHECK(*size == 1);
  }
}

}  // namespace
}  // namespace troupe
