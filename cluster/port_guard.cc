#include "cluster/port_guard.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "config/resolve.h"
#include "net/fd.h"
#include "net/peer_name.h"
#include "net/spin_wait.h"
#include "serialization/wire_format.h"

namespace troupe {
namespace {

constexpr size_t kHeaderSize = 32;  // caf::io::basp::header_size
constexpr uint64_t kWakeToken = 0;
constexpr uint64_t kListenToken = 1;
// How long CAF's handshake is held back from a new connection whose client
// has not sent a byte yet (PortGuard::Loop::Holding): a client of Troupe's
// wire sends first, a CAF client waits for the task's handshake.
constexpr absl::Duration kSniffHold = absl::Milliseconds(50);
enum Side { kClient = 0, kUpstream = 1 };

int SocketError(int fd) {
  int error = 0;
  socklen_t length = sizeof(error);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  return error;
}

bool Transient(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

// The payload_len field of a BASP header: bytes 4..7, in network order.
uint32_t PayloadLength(const char* header) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(header) + 4;
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 |
         uint32_t{bytes[2]} << 8 | uint32_t{bytes[3]};
}

// Bytes received from one side, sent to the other from `begin`; only those
// before `released` may be sent yet.
struct Buffer {
  explicit Buffer(size_t capacity) : data(capacity) {}
  size_t size() const { return end - begin; }
  bool full() const { return size() == data.size(); }
  bool sendable() const { return released > begin; }
  void Compact() {
    std::memmove(data.data(), data.data() + begin, size());
    released -= begin;
    end -= begin;
    begin = 0;
  }

  std::vector<char> data;
  size_t begin = 0;
  size_t released = 0;
  size_t end = 0;
};

struct Connection {
  Connection(uint64_t connection_id, Fd client, Fd upstream,
             std::string peer_address, size_t buffer_bytes)
      : id(connection_id),
        peer(std::move(peer_address)),
        to_upstream(buffer_bytes),
        to_client(buffer_bytes) {
    fd[kClient] = std::move(client);
    fd[kUpstream] = std::move(upstream);
  }

  uint64_t id;
  Fd fd[2];
  uint32_t events[2] = {0, 0};  // as registered with epoll
  std::string peer;
  absl::Time accepted = absl::Now();
  // Set by the peer's first byte: a connection that closes before sending
  // one, as a reachability probe's does, is not logged.
  bool opening_logged = false;
  // Set once the peer's first bytes said whether it speaks Troupe's wire.
  bool sniffed = false;
  bool connecting = true;  // to upstream
  bool eof[2] = {false, false};
  Buffer to_upstream;
  Buffer to_client;
  // Frames of the client's stream: the payload bytes of the current frame
  // not yet released, whether the next header waits for budget, the bytes
  // sent upstream so far, and the [begin, end) stream offsets of payloads
  // whose announced bytes are still held in the budget (`reserved` in all).
  uint64_t payload_left = 0;
  bool stalled = false;
  uint64_t sent = 0;
  std::deque<std::pair<uint64_t, uint64_t>> payloads;
  uint64_t reserved = 0;
  // Set for a frame above the limits: how the connection ends once the bytes
  // before that frame's header are relayed.
  std::string fault;
};

}  // namespace

class PortGuard::Loop {
 public:
  Loop(PortGuardOptions options, SocketAddress upstream, Fd listen, Fd epoll,
       Fd wake, uint16_t port)
      : options_(std::move(options)),
        upstream_(upstream),
        listen_(std::move(listen)),
        epoll_(std::move(epoll)),
        wake_(std::move(wake)),
        port_(port),
        thread_(&Loop::Run, this) {}

  ~Loop() {
    eventfd_write(wake_.get(), 1);
    thread_.join();
  }

  uint16_t port() const { return port_; }

 private:
  void Run() {
    epoll_event events[64];
    while (true) {
      const int count = Wait(events, 64);
      if (count < 0 && errno != EINTR) {
        Log(absl::StrCat("port guard stopped: ", std::strerror(errno)));
        return;
      }
      for (int i = 0; i < count; ++i) {
        const uint64_t token = events[i].data.u64;
        if (token == kWakeToken) return;
        if (token == kListenToken) {
          Accept();
          continue;
        }
        auto it = connections_.find(token >> 1);
        if (it != connections_.end()) {
          Service(*it->second, static_cast<Side>(token & 1), events[i].events);
        }
      }
      while (budget_freed_) {
        budget_freed_ = false;
        RetryStalled();
      }
      EndHolds();
    }
  }

  // A connection that has sent nothing by its hold's end is taken for a CAF
  // client (which waits for the task's handshake): the bytes held for it go
  // out now.
  void EndHolds() {
    const absl::Time now = absl::Now();
    while (!holds_.empty() && holds_.front().first <= now) {
      auto it = connections_.find(holds_.front().second);
      holds_.pop_front();
      if (it == connections_.end() || it->second->sniffed) continue;
      it->second->sniffed = true;
      Flush(*it->second);
    }
  }

  // Whether bytes from CAF to `c`'s client are held back: until the
  // client's first bytes show that it does not speak Troupe's wire, or
  // kSniffHold passed. A wire client must never see CAF's handshake.
  bool Holding(const Connection& c) const {
    return options_.wire && !c.sniffed;
  }

  // SpinThenWait, waking up for the end of the next hold.
  int Wait(epoll_event* events, int size) {
    int timeout_ms = -1;
    if (!holds_.empty()) {
      timeout_ms = static_cast<int>(std::max<int64_t>(
          1, absl::ToInt64Milliseconds(absl::Ceil(
                 holds_.front().first - absl::Now(), absl::Milliseconds(1)))));
    }
    return SpinThenWait(epoll_.get(), events, size, timeout_ms);
  }

  void Accept() {
    sockaddr_storage from{};
    socklen_t length = sizeof(from);
    Fd client(accept4(listen_.get(), reinterpret_cast<sockaddr*>(&from),
                      &length, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (client.get() < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        // Accept again when a connection closes, not in a busy loop.
        Log(absl::StrCat("cannot accept connections: ", std::strerror(errno)));
        SetEvents(listen_.get(), kListenToken, 0);
        listen_paused_ = true;
      }
      return;
    }
    std::string peer = DescribeAddress(from, length);
    // Logged before the peer sends: the operator must see the cap reached.
    if (connections_.size() >= options_.max_connections && !ReapSilent()) {
      Log(absl::StrCat("connection from ", peer, " refused: ",
                       connections_.size(), " connections are open"));
      return;
    }
    Fd upstream(socket(upstream_.family(),
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int error = upstream.get() < 0 ? errno : 0;
    const bool connecting =
        error == 0 &&
        connect(upstream.get(), upstream_.get(), upstream_.length) != 0;
    if (connecting && errno != EINPROGRESS) error = errno;
    const int one = 1;
    setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(upstream.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const uint64_t id = next_id_++;
    auto& c = *(connections_[id] = std::make_unique<Connection>(
                    id, std::move(client), std::move(upstream), std::move(peer),
                    options_.buffer_bytes));
    if (error != 0) return Unreachable(c, error);
    if (options_.wire) holds_.emplace_back(absl::Now() + kSniffHold, id);
    c.connecting = connecting;
    for (Side side : {kClient, kUpstream}) {
      epoll_event event{};
      event.data.u64 = id << 1 | side;
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd[side].get(), &event);
    }
    Flush(c);
  }

  // At the cap: closes the oldest connection whose peer has sent nothing, so
  // that silent sockets never lock clients out. False if every peer spoke.
  bool ReapSilent() {
    Connection* oldest = nullptr;
    for (auto& [id, c] : connections_) {
      if (!c->opening_logged && (!oldest || c->accepted < oldest->accepted)) {
        oldest = c.get();
      }
    }
    if (oldest == nullptr) return false;
    Log(absl::StrFormat(
        "connection from %s closed to make room: it sent nothing in %.3f s",
        oldest->peer, absl::ToDoubleSeconds(absl::Now() - oldest->accepted)));
    Remove(*oldest);
    return true;
  }

  // Handles `ready` (epoll events) on `side` of `c`.
  void Service(Connection& c, Side side, uint32_t ready) {
    if (side == kUpstream && c.connecting) {
      if (const int error = SocketError(c.fd[kUpstream].get())) {
        return Unreachable(c, error);
      }
      c.connecting = false;
    }
    if (ready & EPOLLERR) {
      return Close(
          c,
          absl::StrCat("lost: ", std::strerror(SocketError(c.fd[side].get()))));
    }
    if (ready & (EPOLLIN | EPOLLHUP)) {
      if (WantsRead(c, side)) {
        if (!Receive(c, side)) return;
      } else if (ready & EPOLLHUP) {
        return Close(
            c, side == kClient ? "closed by the peer" : "closed by the task");
      }
    }
    Flush(c);
  }

  bool WantsRead(const Connection& c, Side side) const {
    if (c.eof[kClient] || c.eof[kUpstream] || c.to_client.full()) return false;
    return side == kClient ? !c.stalled && !c.to_upstream.full()
                           : !c.connecting;
  }

  // Reads from `side` into the buffer toward the other side; false if it
  // closed `c`.
  bool Receive(Connection& c, Side side) {
    Buffer& buffer = side == kClient ? c.to_upstream : c.to_client;
    if (buffer.begin > 0) buffer.Compact();
    const ssize_t count =
        recv(c.fd[side].get(), buffer.data.data() + buffer.end,
             buffer.data.size() - buffer.end, 0);
    if (count < 0) {
      if (Transient(errno)) return true;
      Close(c, absl::StrCat("lost: ", std::strerror(errno)));
      return false;
    }
    if (count == 0) {
      c.eof[side] = true;
      return true;
    }
    buffer.end += count;
    if (side == kClient && !c.opening_logged) {
      c.opening_logged = true;
      Log(absl::StrCat("connection from ", c.peer, " opened"));
    }
    if (side == kClient && !c.sniffed) {
      // The first bytes tell Troupe's wire from what goes to CAF.
      if (buffer.end < sizeof(kHandshakeMagic)) return true;
      c.sniffed = true;
      if (options_.wire && std::memcmp(buffer.data.data(), kHandshakeMagic,
                                       sizeof(kHandshakeMagic)) == 0) {
        HandOver(c);
        return false;
      }
    }
    if (side == kUpstream || !options_.inspect_frames) {
      buffer.released = buffer.end;
      return true;
    }
    Release(c);
    return true;
  }

  // Gives `c`'s client socket, with the bytes it sent so far, to
  // options_.wire, and forgets `c`.
  void HandOver(Connection& c) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd[kClient].get(), nullptr);
    Fd client = std::move(c.fd[kClient]);
    Buffer& buffer = c.to_upstream;
    std::string received(buffer.data.data() + buffer.begin, buffer.size());
    Remove(c);
    options_.wire(std::move(client), std::move(received));
  }

  // Releases the client's bytes up to the first header that cannot be
  // forwarded yet, reserving the payload each header announces. A header
  // above the limits ends the client's stream before it.
  void Release(Connection& c) {
    Buffer& buffer = c.to_upstream;
    while (true) {
      if (c.payload_left > 0) {
        const uint64_t take =
            std::min<uint64_t>(c.payload_left, buffer.end - buffer.released);
        if (take == 0) return;
        buffer.released += take;
        c.payload_left -= take;
        continue;
      }
      if (buffer.end - buffer.released < kHeaderSize) return;
      const uint64_t length =
          PayloadLength(buffer.data.data() + buffer.released);
      const uint64_t limit =
          std::min(options_.max_frame_bytes, options_.announced_budget_bytes);
      if (length > limit) {
        c.fault = absl::StrCat("closed: a frame of ", length,
                               " bytes exceeds the limit of ", limit);
        c.eof[kClient] = true;
        buffer.end = buffer.released;
        return;
      }
      if (announced_ + length > options_.announced_budget_bytes) {
        if (!c.stalled) stalled_.push_back(c.id);
        c.stalled = true;
        return;
      }
      announced_ += length;
      c.reserved += length;
      const uint64_t start =
          c.sent + (buffer.released + kHeaderSize - buffer.begin);
      if (length > 0) c.payloads.emplace_back(start, start + length);
      buffer.released += kHeaderSize;
      c.payload_left = length;
    }
  }

  // Sends what `c` may send, closes it when one side is done and what it
  // sent is relayed, else updates its epoll events.
  void Flush(Connection& c) {
    if (!Send(c, kUpstream) || !Send(c, kClient)) return;
    if (c.eof[kClient] && !c.stalled && !c.to_upstream.sendable()) {
      return Close(c, c.fault.empty() ? "closed by the peer" : c.fault);
    }
    if (c.eof[kUpstream] && c.to_client.size() == 0) {
      return Close(c, "closed by the task");
    }
    const uint32_t in = EPOLLIN;
    const uint32_t out = EPOLLOUT;
    SetEvents(c, kClient,
              (WantsRead(c, kClient) ? in : 0) |
                  (c.to_client.sendable() && !Holding(c) ? out : 0));
    SetEvents(c, kUpstream,
              (WantsRead(c, kUpstream) ? in : 0) |
                  (c.connecting || c.to_upstream.sendable() ? out : 0));
  }

  // Sends buffered bytes to `to`; false if it closed `c`.
  bool Send(Connection& c, Side to) {
    Buffer& buffer = to == kUpstream ? c.to_upstream : c.to_client;
    if (!buffer.sendable() || (to == kUpstream && c.connecting) ||
        (to == kClient && Holding(c))) {
      return true;
    }
    const ssize_t count =
        send(c.fd[to].get(), buffer.data.data() + buffer.begin,
             buffer.released - buffer.begin, MSG_NOSIGNAL);
    if (count < 0) {
      if (Transient(errno)) return true;
      Close(c, absl::StrCat("lost: ", std::strerror(errno)));
      return false;
    }
    buffer.begin += count;
    if (to == kUpstream) Forwarded(c, count);
    return true;
  }

  // Frees the budget held by payload bytes just sent upstream.
  void Forwarded(Connection& c, uint64_t count) {
    c.sent += count;
    while (!c.payloads.empty() && c.payloads.front().first < c.sent) {
      auto& payload = c.payloads.front();
      const uint64_t done = std::min(payload.second, c.sent) - payload.first;
      payload.first += done;
      c.reserved -= done;
      announced_ -= done;
      budget_freed_ = true;
      if (payload.first < payload.second) break;
      c.payloads.pop_front();
    }
  }

  void RetryStalled() {
    std::vector<uint64_t> waiting;
    waiting.swap(stalled_);
    for (uint64_t id : waiting) {
      auto it = connections_.find(id);
      if (it == connections_.end()) continue;
      Connection& c = *it->second;
      c.stalled = false;
      Release(c);
      Flush(c);
    }
  }

  // Logged even when the peer sent nothing: the fault is the task's.
  void Unreachable(Connection& c, int error) {
    LogEnd(c, absl::StrCat("lost: cannot reach the task at ",
                           options_.upstream.ToString(), ": ",
                           std::strerror(error)));
    Remove(c);
  }

  // Closes `c`, logging how it ended only if its opening was logged: a peer
  // that closes before sending, as a reachability probe does, ends "closed by
  // the peer" or, reset by the task's first bytes, "lost: ...", both noise.
  void Close(Connection& c, const std::string& how) {
    if (c.opening_logged) LogEnd(c, how);
    Remove(c);
  }

  void LogEnd(const Connection& c, const std::string& how) {
    Log(absl::StrFormat("connection from %s %s after %.3f s", c.peer, how,
                        absl::ToDoubleSeconds(absl::Now() - c.accepted)));
  }

  // Releases the budget `c` holds and closes both of its sockets.
  void Remove(Connection& c) {
    if (c.reserved > 0) budget_freed_ = true;
    announced_ -= c.reserved;
    connections_.erase(c.id);
    if (listen_paused_) {
      listen_paused_ = false;
      SetEvents(listen_.get(), kListenToken, EPOLLIN);
    }
  }

  void SetEvents(Connection& c, Side side, uint32_t events) {
    if (c.events[side] == events) return;
    c.events[side] = events;
    SetEvents(c.fd[side].get(), c.id << 1 | side, events);
  }

  void SetEvents(int fd, uint64_t token, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = token;
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event);
  }

  void Log(const std::string& line) {
    if (options_.log) options_.log(line);
  }

  const PortGuardOptions options_;
  const SocketAddress upstream_;
  Fd listen_;
  Fd epoll_;
  Fd wake_;
  const uint16_t port_;
  // Touched by the loop's thread only.
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t next_id_ = 1;
  uint64_t announced_ = 0;         // payload bytes announced, not yet forwarded
  std::vector<uint64_t> stalled_;  // connections waiting for budget
  bool budget_freed_ = false;
  // When each connection's hold ends (Holding), in the order of accepting.
  std::deque<std::pair<absl::Time, uint64_t>> holds_;
  bool listen_paused_ = false;
  std::thread thread_;  // last: starts when the rest is ready
};

absl::StatusOr<std::unique_ptr<PortGuard>> PortGuard::Start(
    PortGuardOptions options) {
  auto cannot_serve = [&](absl::string_view reason) {
    return absl::UnavailableError(absl::StrCat(
        "Cannot serve on ", options.listen.ToString(), ": ", reason));
  };
  auto listen_at = ResolveTaskAddress(options.listen, AddressUse::kListen);
  if (!listen_at.ok()) return cannot_serve(listen_at.status().message());
  auto upstream = ResolveTaskAddress(options.upstream, AddressUse::kConnect);
  if (!upstream.ok()) {
    return absl::UnavailableError(
        absl::StrCat("Cannot reach the task at ", options.upstream.ToString(),
                     ": ", upstream.status().message()));
  }
  Fd listen_fd(socket(listen_at->family(),
                      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  Fd epoll(epoll_create1(EPOLL_CLOEXEC));
  Fd wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  const int one = 1;
  if (listen_fd.get() < 0 || epoll.get() < 0 || wake.get() < 0 ||
      setsockopt(listen_fd.get(), SOL_SOCKET, SO_REUSEADDR, &one,
                 sizeof(one)) != 0 ||
      bind(listen_fd.get(), listen_at->get(), listen_at->length) != 0 ||
      listen(listen_fd.get(), SOMAXCONN) != 0 ||
      getsockname(listen_fd.get(),
                  reinterpret_cast<sockaddr*>(&listen_at->storage),
                  &listen_at->length) != 0) {
    return cannot_serve(std::strerror(errno));
  }
  for (auto [fd, token] : {std::pair(wake.get(), kWakeToken),
                           std::pair(listen_fd.get(), kListenToken)}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = token;
    if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
      return cannot_serve(std::strerror(errno));
    }
  }
  const auto& bound = listen_at->storage;
  const uint16_t port =
      ntohs(bound.ss_family == AF_INET6
                ? reinterpret_cast<const sockaddr_in6&>(bound).sin6_port
                : reinterpret_cast<const sockaddr_in&>(bound).sin_port);
  return std::unique_ptr<PortGuard>(new PortGuard(std::make_unique<Loop>(
      std::move(options), *upstream, std::move(listen_fd), std::move(epoll),
      std::move(wake), port)));
}

PortGuard::PortGuard(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

PortGuard::~PortGuard() = default;

uint16_t PortGuard::port() const { return loop_->port(); }

}  // namespace troupe
