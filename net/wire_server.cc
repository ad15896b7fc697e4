#include "net/wire_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "caf/actor_system.hpp"
#include "caf/exit_reason.hpp"
#include "caf/mailbox_element.hpp"
#include "caf/system_messages.hpp"

#include "actors/inline_unit.h"
#include "net/connection_proxy.h"
#include "net/frame_reader.h"
#include "net/listener.h"
#include "net/local_socket.h"
#include "net/peer_name.h"
#include "net/server_connection.h"
#include "net/spin_wait.h"

namespace troupe {
namespace {

constexpr uint64_t kWakeToken = 0;
constexpr uint64_t kListenToken = 1;
constexpr uint64_t kLocalListenToken = 2;
// Connections accepted per wakeup, so that a flood of them cannot starve the
// connections already open.
constexpr int kAcceptsPerWakeup = 64;
// A frame this large is handled on CAF's scheduler, not on the thread: its
// turn (a large stack, pad or assign_add) would hold every connection up.
constexpr uint64_t kInlineFrameBytes = 1 << 20;
// Reads of one connection per wakeup, so that one busy client cannot starve
// the others.
constexpr int kReadsPerWakeup = 16;
}  // namespace

class WireServer::Loop {
 public:
  Loop(caf::actor_system& system, TaskActor task, Listener listener,
       Listener local_listener, WireServerOptions options)
      : unit_(system),
        task_(std::move(task)),
        options_(std::move(options)),
        listener_(std::move(listener)),
        local_listener_(std::move(local_listener)),
        epoll_(epoll_create1(EPOLL_CLOEXEC)),
        wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
        ids_(std::make_shared<std::atomic<uint64_t>>(0)) {}

  // Starts the thread; UNAVAILABLE if the kernel refuses its descriptors.
  absl::Status Start() {
    for (auto [fd, token] :
         {std::pair(wake_.get(), kWakeToken),
          std::pair(listener_.socket.get(), kListenToken),
          std::pair(local_listener_.socket.get(), kLocalListenToken)}) {
      if (token == kLocalListenToken && fd < 0) continue;
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = token;
      if (fd < 0 || epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
        return absl::UnavailableError(absl::StrCat("Cannot serve on port ",
                                                   listener_.port, ": ",
                                                   std::strerror(errno)));
      }
    }
    thread_ = std::thread(&Loop::Run, this);
    return absl::OkStatus();
  }

  ~Loop() {
    stopping_ = true;
    eventfd_write(wake_.get(), 1);
    if (thread_.joinable()) thread_.join();
  }

  uint16_t port() const { return listener_.port; }

 private:
  struct Connection {
    std::shared_ptr<ServerConnection> shared;
    FrameReader reader;
    caf::actor proxy;
    std::string peer;
    absl::Time opened;
    // Whether it came through the Unix socket, where no TLS is spoken.
    bool local = false;
    // Whether the peer's handshake arrived, and whether TLS is being set up
    // after it.
    bool greeted = false;
    bool tls_pending = false;
    // Bytes of its frames whose headers passed and that are not dispatched
    // yet, charged to receiving_bytes_, and when bytes last came.
    uint64_t charged = 0;
    absl::Time last_read = {};
  };

  void Run() {
    std::vector<epoll_event> events(64);
    while (!stopping_) {
      const int count = Wait(events.data(), static_cast<int>(events.size()));
      for (int i = 0; i < count; ++i) {
        const uint64_t token = events[i].data.u64;
        if (token == kWakeToken) {
          eventfd_t ignored;
          eventfd_read(wake_.get(), &ignored);
          continue;
        }
        if (token == kListenToken || token == kLocalListenToken) {
          Accept(token == kLocalListenToken);
          continue;
        }
        auto it = connections_.find(token);
        if (it != connections_.end()) Service(it->second, events[i].events);
      }
      ServiceAgain();
      unit_.RunJobs();
      ReapSlowHandshakes();
      SendHeartbeats();
    }
    while (!connections_.empty()) {
      Close(connections_.begin()->second, "closed by the task",
            LogLevel::kInfo);
    }
  }

  int Wait(epoll_event* events, int size) {
    if (!again_.empty()) return epoll_wait(epoll_.get(), events, size, 0);
    // Wake up for the next heartbeats.
    const int timeout_ms = connections_.empty()
                               ? -1
                               : static_cast<int>(absl::ToInt64Milliseconds(
                                     options_.heartbeat_interval));
    return SpinThenWait(epoll_.get(), events, size, timeout_ms);
  }

  void Accept(bool local) {
    const Listener& listener = local ? local_listener_ : listener_;
    for (int i = 0; i < kAcceptsPerWakeup; ++i) {
      sockaddr_storage from{};
      socklen_t length = sizeof(from);
      Fd socket(accept4(listener.socket.get(),
                        reinterpret_cast<sockaddr*>(&from), &length,
                        SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!socket.valid()) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
            errno == ENOMEM) {
          // Accept again when a connection closes, not in a busy loop.
          Log(LogLevel::kError, absl::StrCat("cannot accept connections: ",
                                             std::strerror(errno)));
          ListenFor(0);
          listening_paused_ = true;
        }
        return;
      }
      if (local) {
        if (OfThisUser(socket.get())) {
          Open(std::move(socket), "the Unix socket", true);
        }
        continue;
      }
      const int one = 1;
      setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      Open(std::move(socket), DescribeAddress(from, length), false);
    }
  }

  // Whether the client on the Unix socket `fd` may be served: always
  // without TLS; with it, only when its process runs as this one's
  // effective uid, for the kernel vouches for it instead of a certificate.
  bool OfThisUser(int fd) {
    if (!options_.tls) return true;
    absl::StatusOr<uid_t> peer = PeerUid(fd);
    if (peer.ok() && *peer == geteuid()) return true;
    Log(LogLevel::kWarning,
        absl::StrCat("connection from the Unix socket refused: ",
                     peer.ok() ? absl::StrCat("its process runs as uid ", *peer,
                                              ", not ", geteuid())
                               : std::string(peer.status().message())));
    return false;
  }

  void ListenFor(uint32_t events) {
    for (auto [listener, token] :
         {std::pair(&listener_, kListenToken),
          std::pair(&local_listener_, kLocalListenToken)}) {
      if (!listener->socket.valid()) continue;
      epoll_event event{};
      event.events = events;
      event.data.u64 = token;
      epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, listener->socket.get(), &event);
    }
  }

  void Open(Fd socket, std::string peer, bool local) {
    if (connections_.size() >= options_.max_connections && !MakeRoom()) {
      Log(LogLevel::kWarning, absl::StrCat("connection from ", peer,
                                           " refused: ", connections_.size(),
                                           " connections are open"));
      return;
    }
    const uint64_t token = next_token_++;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = token;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, socket.get(), &event) != 0) {
      return;
    }
    auto shared = std::make_shared<ServerConnection>(
        std::move(socket), epoll_.get(), token, stats_);
    stats_->connections.fetch_add(1, std::memory_order_relaxed);
    // Each frame's header, and the shared memory a frame maps, is charged to
    // the receive budget (Charge) before anything is allocated or kept for
    // it.
    FrameReader reader(
        options_.limits,
        [this, token](const FrameHeader& h) {
          return Charge(connections_.at(token), h.frame_bytes);
        },
        local,
        [this, token](uint64_t bytes) {
          return Charge(connections_.at(token), bytes);
        });
    const absl::Time now = absl::Now();
    Connection& c =
        connections_
            .emplace(
                token,
                Connection{shared, std::move(reader), {}, std::move(peer), now})
            .first->second;
    c.local = local;
    c.last_read = now;
    ++awaiting_handshake_;
    c.proxy = SpawnConnectionProxy(unit_.system(), task_, shared, ids_);
    char handshake[kHandshakeBytes];
    EncodeHandshake(Handshake{kProtocolVersion,
                              static_cast<uint16_t>(
                                  (options_.tls && !local ? kHandshakeTls : 0) |
                                  (local ? kHandshakeMayUseSharedMemory : 0)),
                              options_.incarnation},
                    handshake);
    shared->SendBytes(handshake, sizeof(handshake));
  }

  // Closes the oldest connection that has not completed its handshake; false
  // when there is none.
  bool MakeRoom() {
    Connection* oldest = nullptr;
    for (auto& [token, c] : connections_) {
      if (!c.greeted && (!oldest || c.opened < oldest->opened)) {
        oldest = &c;
      }
    }
    if (oldest == nullptr) return false;
    Close(*oldest, "closed to make room: its handshake had not arrived",
          LogLevel::kWarning);
    return true;
  }

  void ReapSlowHandshakes() {
    if (awaiting_handshake_ == 0) return;
    const absl::Time too_old = absl::Now() - options_.handshake_timeout;
    std::vector<uint64_t> slow;
    for (auto& [token, c] : connections_) {
      if (!c.greeted && c.opened < too_old) slow.push_back(token);
    }
    for (uint64_t token : slow) {
      Close(connections_.at(token),
            absl::StrCat("closed: no handshake within ",
                         absl::FormatDuration(options_.handshake_timeout)),
            LogLevel::kWarning);
    }
  }

  // Every heartbeat interval, a heartbeat on each connection whose client
  // waits for a reply and has nothing else coming, so that it tells a slow
  // task from a lost or frozen one; and the connections whose clients
  // stopped reading their replies are closed.
  void SendHeartbeats() {
    const absl::Time now = absl::Now();
    if (now < next_heartbeat_) return;
    next_heartbeat_ = now + options_.heartbeat_interval;
    const std::string timeout = absl::FormatDuration(options_.stall_timeout);
    std::vector<std::pair<uint64_t, std::string>> stalled;
    for (auto& [token, c] : connections_) {
      c.shared->SendHeartbeat();
      if (now - c.shared->StalledSince() > options_.stall_timeout) {
        stalled.emplace_back(
            token,
            absl::StrCat("closed: its client read no reply for ", timeout));
      } else if (c.charged > 0 && now - c.last_read > options_.stall_timeout) {
        // A frame begun and not continued holds its share of the budget.
        stalled.emplace_back(
            token,
            absl::StrCat("closed: its frame made no progress for ", timeout));
      }
    }
    for (const auto& [token, how] : stalled) {
      Close(connections_.at(token), how, LogLevel::kWarning);
    }
  }

  void Service(Connection& c, uint32_t ready) {
    if (c.tls_pending) {
      absl::StatusOr<bool> up = c.shared->ContinueTls();
      if (!up.ok())
        return Close(c, absl::StrCat("closed: ", up.status().message()),
                     LogLevel::kWarning);
      if (!*up) return;
      c.tls_pending = false;
      ready |= EPOLLIN;  // Data may have come with the handshake's end.
    }
    if ((ready & EPOLLOUT) && !c.shared->Flush()) {
      return Close(c, "lost while sending", LogLevel::kWarning);
    }
    if (!(ready & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    for (int i = 0; i < kReadsPerWakeup && !c.shared->ReadPaused(); ++i) {
      std::vector<Frame> frames;
      absl::StatusOr<FrameReader::Progress> progress =
          c.shared->Read(c.reader, frames);
      if (progress.ok() && (*progress == FrameReader::Progress::kRead ||
                            *progress == FrameReader::Progress::kDrained)) {
        c.last_read = absl::Now();
      }
      if (!Received(c, progress.status(), frames)) return;
      if (*progress == FrameReader::Progress::kClosed) {
        return Close(c, "closed by the peer", LogLevel::kInfo);
      }
      // The handshake asked for TLS: what follows it on the socket is the
      // TLS handshake, which epoll reports (the read took the plain
      // handshake and no byte more).
      if (c.tls_pending) return;
      // epoll tells again when more arrives.
      if (*progress == FrameReader::Progress::kWouldBlock ||
          *progress == FrameReader::Progress::kDrained) {
        return;
      }
    }
    // Out of reads for this turn: TLS may hold decrypted bytes that epoll
    // will not report.
    if (c.shared->HasBuffered()) again_.push_back(c.shared->token());
  }

  // Serves the connections whose reads stopped with bytes buffered.
  void ServiceAgain() {
    std::vector<uint64_t> tokens;
    tokens.swap(again_);
    for (uint64_t token : tokens) {
      auto it = connections_.find(token);
      if (it != connections_.end()) Service(it->second, EPOLLIN);
    }
  }

  // Hands `frames` to the connection's proxy, then closes the connection if
  // `status` is an error (after telling the peer why). False if it closed.
  bool Received(Connection& c, const absl::Status& status,
                std::vector<Frame>& frames) {
    absl::Status error = status;
    if (error.ok() && !c.greeted && c.reader.handshake()) {
      c.greeted = true;
      --awaiting_handshake_;
      stats_->bytes_in.fetch_add(kHandshakeBytes, std::memory_order_relaxed);
      Log(LogLevel::kInfo, absl::StrCat("connection from ", c.peer, " opened"));
      error = Greeted(c);
    }
    if (error.ok()) {
      for (Frame& frame : frames) {
        stats_->frames_in.fetch_add(1, std::memory_order_relaxed);
        stats_->bytes_in.fetch_add(frame.header.frame_bytes,
                                   std::memory_order_relaxed);
        stats_->shared_bytes_in.fetch_add(frame.shared_bytes,
                                          std::memory_order_relaxed);
        Discharge(c, frame.header.frame_bytes + frame.mapped_bytes);
        Dispatch(c, std::move(frame));
      }
      return true;
    }
    c.shared->Send(0, ErrorReply{error});
    Close(c, absl::StrCat("closed: ", error.ToString()), LogLevel::kWarning);
    return false;
  }

  // The peer's handshake arrived: TLS begins if both sides speak it; a
  // client and a task that disagree on it part with the reason.
  absl::Status Greeted(Connection& c) {
    if (c.reader.shares_memory()) {
      c.shared->ShareMemory(options_.shared_memory_min_bytes);
    }
    const bool wants_tls = (c.reader.handshake()->flags & kHandshakeTls) != 0;
    // The Unix socket of a TLS task is open only with shared_memory_with_tls,
    // and speaks no TLS.
    const bool tls = options_.tls && !c.local;
    if (tls && !wants_tls) {
      return absl::UnavailableError(
          "This task speaks TLS only: give the client the cluster's TLS files "
          "(its certificate, key and CA)");
    }
    if (!tls && wants_tls) {
      return absl::UnavailableError(
          options_.tls
              ? "This task speaks no TLS on its Unix socket"
              : "This task does not speak TLS: the client was given TLS files, "
                "the task was not");
    }
    if (!tls) return absl::OkStatus();
    if (absl::Status started = c.shared->StartTls(options_.tls);
        !started.ok()) {
      return started;
    }
    c.tls_pending = true;
    return absl::OkStatus();
  }

  // Admits a frame of `bytes` on `c` while the frames being received stay
  // within the budget.
  absl::Status Charge(Connection& c, uint64_t bytes) {
    if (bytes > options_.receive_budget_bytes - receiving_bytes_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("Frame of ", bytes,
                       " bytes would take the task past its budget for "
                       "frames being received (",
                       receiving_bytes_, " of ", options_.receive_budget_bytes,
                       " bytes in use); nothing was "
                       "allocated for it"));
    }
    c.charged += bytes;
    receiving_bytes_ += bytes;
    return absl::OkStatus();
  }

  // `bytes` of frames on `c` are received (or will never be).
  void Discharge(Connection& c, uint64_t bytes) {
    c.charged -= bytes;
    receiving_bytes_ -= bytes;
  }

  void Dispatch(Connection& c, Frame frame) {
    const uint64_t request_id = frame.header.request_id;
    const bool heavy = frame.header.frame_bytes > kInlineFrameBytes;
    if (frame.header.kind != static_cast<uint16_t>(MessageKind::kHeartbeat)) {
      c.shared->RequestReceived();
    }
    absl::StatusOr<Message> message = DecodeMessage(std::move(frame));
    if (!message.ok()) {
      return c.shared->Send(request_id, ErrorReply{message.status()});
    }
    caf::actor_cast<caf::abstract_actor*>(c.proxy)->enqueue(
        caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                                  WireCall{request_id, *std::move(message)}),
        heavy ? nullptr : &unit_);
  }

  void Close(Connection& c, const std::string& how, LogLevel level) {
    if (!c.greeted) --awaiting_handshake_;
    Discharge(c, c.charged);
    Log(level,
        absl::StrCat("connection from ", c.peer, " ", how, " after ",
                     absl::StrFormat(
                         "%.1f", absl::ToDoubleSeconds(absl::Now() - c.opened)),
                     " s"));
    c.shared->Close();
    stats_->connections.fetch_sub(1, std::memory_order_relaxed);
    // Through this thread, so that the proxy's exit (and with it the
    // withdrawal of its waiting requests) comes before what later reads
    // wake.
    caf::actor_cast<caf::abstract_actor*>(c.proxy)->enqueue(
        caf::make_mailbox_element(
            nullptr, caf::make_message_id(), {},
            caf::exit_msg{caf::actor_addr{}, caf::exit_reason::user_shutdown}),
        &unit_);
    connections_.erase(c.shared->token());
    if (listening_paused_) {
      listening_paused_ = false;
      ListenFor(EPOLLIN);
    }
  }

  void Log(LogLevel level, const std::string& line) {
    if (options_.log) options_.log(level, line);
  }

  // The thread's: runs the actors that its reads wake.
  InlineUnit unit_;
  const TaskActor task_;
  const WireServerOptions options_;
  const Listener listener_;
  const Listener local_listener_;  // no socket when there is none
  Fd epoll_;
  Fd wake_;
  const ResourceIdSource ids_;
  const std::shared_ptr<WireStats> stats_ = std::make_shared<WireStats>();
  std::atomic<bool> stopping_{false};
  // Touched by the thread only.
  std::unordered_map<uint64_t, Connection> connections_;
  uint64_t next_token_ = kLocalListenToken + 1;
  bool listening_paused_ = false;  // out of descriptors (Accept)
  size_t awaiting_handshake_ = 0;
  uint64_t receiving_bytes_ = 0;  // of frames being received (Charge)
  absl::Time next_heartbeat_ = absl::InfinitePast();
  std::vector<uint64_t> again_;  // connections to read again (ServiceAgain)
  std::thread thread_;           // last: starts when the rest is ready
};

absl::StatusOr<std::unique_ptr<WireServer>> WireServer::Start(
    caf::actor_system& system, TaskActor task, const TaskAddress& address,
    WireServerOptions options) {
  absl::StatusOr<Listener> listener = Listen(address);
  if (!listener.ok()) return listener.status();
  Listener local_listener;
  if (options.shared_memory &&
      (!options.tls || options.shared_memory_with_tls)) {
    absl::StatusOr<Listener> local = ListenLocal(listener->port);
    if (local.ok()) {
      local_listener = *std::move(local);
    } else if (options.log) {
      options.log(LogLevel::kWarning,
                  absl::StrCat(local.status().message(),
                               "; clients of this host use TCP"));
    }
  }
  auto loop =
      std::make_unique<Loop>(system, std::move(task), *std::move(listener),
                             std::move(local_listener), std::move(options));
  if (absl::Status started = loop->Start(); !started.ok()) return started;
  return std::unique_ptr<WireServer>(new WireServer(std::move(loop)));
}

WireServer::WireServer(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

WireServer::~WireServer() = default;

uint16_t WireServer::port() const { return loop_->port(); }

}  // namespace troupe
