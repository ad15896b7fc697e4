#include "net/wire_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "actors/inline_unit.h"
#include "base/status_macros.h"
#include "net/call_interrupt.h"
#include "net/connect.h"
#include "net/local_socket.h"
#include "net/spin_wait.h"

namespace troupe {
namespace {

// The execution unit of this thread when it is a client's reader thread
// with a system (WireClientOptions::system).
thread_local caf::execution_unit* reader_unit = nullptr;
// Set on a client's reader thread when an actor that it ran destroyed the
// client: the thread must not touch it again.
thread_local bool reader_orphaned = false;
// The client whose reader thread this is, if it is one.
thread_local const WireClient* reader_of = nullptr;

// Milliseconds for poll() until `deadline`, at least 0.
int PollTimeout(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))),
      int64_t{1} << 30));
}

// Waits until `fd` is ready for `events` or `deadline` passes; false then.
bool WaitFor(int fd, short events, absl::Time deadline) {
  pollfd ready{fd, events, 0};
  return poll(&ready, 1, PollTimeout(deadline)) > 0;
}

// The same for a reply, polling before it blocks as `spin` says
// (SpinThenPoll): on a virtual machine, waking a blocked thread costs more
// than the task takes to answer.
bool WaitForReply(int fd, absl::Time deadline, SpinPolicy& spin) {
  pollfd ready{fd, POLLIN, 0};
  return SpinThenPoll(spin, &ready, PollTimeout(deadline)) > 0;
}

// `socket`, a connection to a task's Unix socket, if the task runs as this
// process's effective uid; else UNAVAILABLE naming both uids.
absl::StatusOr<Fd> OfThisUser(Fd socket) {
  TROUPE_ASSIGN_OR_RETURN(const uid_t peer, PeerUid(socket.get()));
  if (peer != geteuid()) {
    return absl::UnavailableError(absl::StrCat(
        "the task's Unix socket belongs to uid ", peer, ", not ", geteuid()));
  }
  return socket;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WireClient>> WireClient::Connect(
    const TaskAddress& address, absl::Duration timeout,
    WireClientOptions options) {
  const absl::Time deadline = absl::Now() + timeout;
  auto refused = [&address](absl::string_view why) {
    return absl::UnavailableError(absl::StrCat("Cannot connect to task at ",
                                               address.ToString(), ": ", why));
  };
  // Same host: the task's Unix socket first, unless TLS keeps the bytes off
  // shared memory (without shared_memory_with_tls).
  Fd socket;
  const bool try_local = (!options.tls || options.shared_memory_with_tls) &&
                         (options.shared_memory == SharedMemoryUse::kForce ||
                          (options.shared_memory == SharedMemoryUse::kLocal &&
                           IsLocalAddress(address)));
  if (try_local) {
    absl::StatusOr<Fd> local = ConnectLocal(address.port);
    if (local.ok() && options.tls) local = OfThisUser(*std::move(local));
    if (local.ok()) {
      socket = *std::move(local);
    } else if (options.shared_memory == SharedMemoryUse::kForce) {
      return refused(absl::StrCat("shared memory was required: ",
                                  local.status().message()));
    }
  }
  const bool local = socket.valid();
  if (!local) {
    TROUPE_ASSIGN_OR_RETURN(socket, OpenConnection(address, timeout));
  }
  // The kernel is the channel of the Unix socket: no TLS there.
  const bool speak_tls = options.tls && !local;
  char handshake[kHandshakeBytes];
  EncodeHandshake(Handshake{kProtocolVersion,
                            static_cast<uint16_t>(
                                (speak_tls ? kHandshakeTls : 0) |
                                (local ? kHandshakeMayUseSharedMemory : 0)),
                            0},
                  handshake);
  if (send(socket.get(), handshake, sizeof(handshake), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(sizeof(handshake))) {
    return refused("it closed the connection");
  }
  // The task's handshake, and nothing past it: TLS may follow.
  FrameReader reader(options.limits, nullptr, local);
  PlainStream plain(socket.get());
  std::vector<Frame> frames;
  while (!reader.handshake()) {
    if (!WaitFor(socket.get(), POLLIN, deadline)) {
      return refused(
          absl::StrCat("no handshake within ", absl::FormatDuration(timeout)));
    }
    TROUPE_ASSIGN_OR_RETURN(FrameReader::Progress progress,
                            reader.ReadFrom(plain, frames));
    if (progress == FrameReader::Progress::kClosed) {
      return refused("it closed the connection during the handshake");
    }
  }
  const bool task_tls = (reader.handshake()->flags & kHandshakeTls) != 0;
  if (task_tls && !speak_tls) {
    return refused(
        local ? "the task speaks TLS on its Unix socket"
              : "the task speaks TLS only: give the client the cluster's TLS "
                "files");
  }
  if (!task_tls && speak_tls) {
    return refused(
        "the task does not speak TLS, though the client was given TLS files");
  }
  std::unique_ptr<ByteStream> stream;
  if (speak_tls) {
    auto tls = std::make_unique<TlsStream>(options.tls, socket.get(),
                                           TlsStream::Role::kClient);
    for (;;) {
      absl::StatusOr<bool> up = tls->Handshake();
      if (!up.ok()) return refused(up.status().message());
      if (*up) break;
      if (!WaitFor(socket.get(), tls->wants_write() ? POLLOUT : POLLIN,
                   deadline)) {
        return refused(absl::StrCat("no TLS handshake within ",
                                    absl::FormatDuration(timeout)));
      }
    }
    stream = std::move(tls);
  } else {
    stream = std::make_unique<PlainStream>(socket.get());
  }
  const uint64_t incarnation = reader.handshake()->incarnation;
  return std::unique_ptr<WireClient>(
      new WireClient(std::move(socket), std::move(stream), address.ToString(),
                     incarnation, std::move(reader), options));
}

WireClient::WireClient(Fd socket, std::unique_ptr<ByteStream> stream,
                       std::string address, uint64_t incarnation,
                       FrameReader reader, WireClientOptions options)
    : socket_(std::move(socket)),
      stream_(std::move(stream)),
      address_(std::move(address)),
      incarnation_(incarnation),
      options_(std::move(options)),
      shared_min_bytes_(reader.shares_memory()
                            ? options_.shared_memory_min_bytes
                            : kNoSharedMemory),
      reader_(std::move(reader)),
      last_heard_(absl::Now()) {}

WireClient::~WireClient() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    BreakLocked(absl::CancelledError("The connection was closed"));
  }
  if (!reader_thread_.joinable()) return;
  if (reader_thread_.get_id() == std::this_thread::get_id()) {
    // An actor that the reader thread ran let go of this client.
    reader_orphaned = true;
    reader_thread_.detach();
  } else {
    reader_thread_.join();
  }
}

absl::StatusOr<EncodedFrame> WireClient::Encode(uint64_t id,
                                                const Message& request) {
  absl::StatusOr<EncodedFrame> frame =
      EncodeMessage(id, request, options_.limits, shared_min_bytes_);
  if (frame.ok()) shared_bytes_sent_.fetch_add(frame->shared_bytes);
  return frame;
}

void WireClient::CallAsync(const Message& request, Done done,
                           bool more_follow) {
  const uint64_t id = next_request_id_.fetch_add(1);
  absl::StatusOr<EncodedFrame> frame = Encode(id, request);
  if (!frame.ok()) return done(frame.status(), reader_unit);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!broken_.ok()) return done(broken_, reader_unit);
    StartReaderLocked();
    if (waiting_.empty()) last_heard_ = absl::Now();
    waiting_[id] = new Slot{std::nullopt, std::move(done)};
    changed_.notify_all();
  }
  if (more_follow) {
    std::lock_guard<std::mutex> lock(write_mutex_);
    if (writer_.frames() < kMaxHeldFrames &&
        writer_.pending_bytes() < kMaxHeldBytes) {
      writer_.Push(*std::move(frame));
      return;
    }
  }
  SendOrBreak(*std::move(frame));
}

void WireClient::Flush() { SendOrBreak(std::nullopt); }

void WireClient::SendOrBreak(std::optional<EncodedFrame> frame) {
  absl::Status sent = Send(std::move(frame));
  if (!sent.ok()) {
    std::lock_guard<std::mutex> lock(mutex_);
    BreakLocked(sent);
  }
}

void WireClient::WhenLost(std::function<void(const absl::Status&)> lost) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!broken_.ok()) return lost(broken_);
  when_lost_.push_back(std::move(lost));
  StartReaderLocked();
}

void WireClient::StartReaderLocked() {
  if (!reader_thread_.joinable()) {
    reader_thread_ = std::thread(&WireClient::ReadForAll, this);
  }
}

void WireClient::ReadForAll() {
  // While no call waits, the thread still reads, so that the connection's
  // end is seen; it looks again every second to take up the silence
  // timeout of calls that began meanwhile.
  constexpr absl::Duration kIdleLook = absl::Seconds(1);
  std::optional<InlineUnit> unit;
  if (options_.system != nullptr) unit.emplace(*options_.system);
  reader_unit = unit ? &*unit : nullptr;
  reader_of = this;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_ && broken_.ok()) {
    if (reading_) {
      changed_.wait(lock);
      continue;
    }
    const absl::Time silent_until =
        waiting_.empty() ? absl::InfiniteFuture()
                         : last_heard_ + options_.silence_timeout;
    ReadLocked(lock, absl::Now() + kIdleLook, silent_until);
    if (unit) {
      lock.unlock();
      unit->RunJobs();
      // The client is gone: leave without touching it.
      if (reader_orphaned) return;
      lock.lock();
    }
  }
}

void WireClient::DeliverLocked(Slot* slot, absl::StatusOr<Message> reply) {
  if (slot->done) {
    slot->done(std::move(reply), reader_unit);
    delete slot;
  } else {
    slot->result = std::move(reply);
    slot->answered.store(true, std::memory_order_release);
  }
}

absl::Status WireClient::health() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return broken_;
}

void WireClient::Close(const absl::Status& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  BreakLocked(why);
}

absl::Status WireClient::Probe() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!broken_.ok() || reading_ || !waiting_.empty()) return broken_;
  ReadLocked(lock, absl::Now(), absl::InfiniteFuture());
  return broken_;
}

absl::StatusOr<Message> WireClient::Call(const Message& request,
                                         absl::Time deadline) {
  ScopedCallInterrupt* const interrupt = ScopedCallInterrupt::Current();
  // A call after an interrupted one of the same thread is not sent.
  if (interrupt != nullptr && interrupt->fired()) return InterruptedError();
  const uint64_t id = next_request_id_.fetch_add(1);
  TROUPE_ASSIGN_OR_RETURN(EncodedFrame frame, Encode(id, request));
  Slot slot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    TROUPE_RETURN_IF_ERROR(broken_);
    // The task's silence counts from when a call waits for it.
    if (waiting_.empty()) last_heard_ = absl::Now();
    waiting_[id] = &slot;
  }
  absl::Status sent = Send(std::move(frame));
  absl::Time next_check = interrupt == nullptr
                              ? absl::InfiniteFuture()
                              : absl::Now() + interrupt->period();
  std::unique_lock<std::mutex> lock(mutex_);
  if (!sent.ok()) BreakLocked(sent);
  bool polled = false;
  while (!slot.result && absl::Now() < deadline) {
    if (absl::Now() >= next_check) {
      // The check may wait (for Python's GIL, say): not with the lock held.
      lock.unlock();
      const bool interrupted = interrupt->Check();
      lock.lock();
      if (interrupted) {
        if (!slot.result) return AbandonLocked(id);
        break;
      }
      next_check = absl::Now() + interrupt->period();
      continue;
    }
    const absl::Time wake = std::min(deadline, next_check);
    if (reading_) {
      // Another thread reads for this call: look for the reply for a while
      // before sleeping, since waking a sleeping thread here costs more
      // than the task takes to answer (2a in BENCHMARKS.md).
      if (!polled) {
        polled = true;
        lock.unlock();
        SpinUntil(slot.answered, SpinPolicy::kShortSpin);
        lock.lock();
        continue;
      }
      if (wake == absl::InfiniteFuture()) {
        changed_.wait(lock);
      } else {
        changed_.wait_until(lock, absl::ToChronoTime(wake));
      }
      continue;
    }
    ReadLocked(lock, wake, last_heard_ + options_.silence_timeout);
  }
  if (!slot.result) {
    waiting_.erase(id);
    return absl::DeadlineExceededError(
        absl::StrCat("No reply from the task at ", address_, " in time"));
  }
  return *std::move(slot.result);
}

absl::Status WireClient::AbandonLocked(uint64_t id) {
  waiting_.erase(id);
  BreakLocked(absl::UnavailableError(
      absl::StrCat("Closed the connection to the task at ", address_,
                   ": a call on it was interrupted, and closing the "
                   "connection withdraws the call from the task")));
  return InterruptedError();
}

absl::Status WireClient::InterruptedError() const {
  return absl::CancelledError(
      absl::StrCat("The call to the task at ", address_, " was interrupted"));
}

absl::Status WireClient::Send(std::optional<EncodedFrame> frame) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (frame) writer_.Push(*std::move(frame));
  for (;;) {
    absl::StatusOr<bool> all_sent;
    {
      std::lock_guard<std::mutex> stream_lock(stream_mutex_);
      all_sent = writer_.WriteTo(*stream_);
    }
    if (!all_sent.ok()) {
      return absl::UnavailableError(
          absl::StrCat("Lost the connection to the task at ", address_, ": ",
                       all_sent.status().message()));
    }
    if (*all_sent) return absl::OkStatus();
    // A frame half sent cannot be taken back: only a task that takes no
    // bytes for the silence timeout ends it.
    TROUPE_RETURN_IF_ERROR(AwaitWritable());
  }
}

absl::Status WireClient::AwaitWritable() {
  const absl::Time deadline = absl::Now() + options_.silence_timeout;
  for (;;) {
    // An actor on the reader thread writes: the replies that come meanwhile
    // must still be read, or the task, whose replies pile up unread, stops
    // reading this connection and the write never ends.
    const bool reads = reader_of == this;
    pollfd ready{socket_.get(),
                 static_cast<short>(POLLOUT | (reads ? POLLIN : 0)), 0};
    if (poll(&ready, 1, PollTimeout(deadline)) <= 0) {
      return absl::UnavailableError(
          absl::StrCat("Lost the connection to the task at ", address_,
                       ": it took no bytes for ",
                       absl::FormatDuration(options_.silence_timeout)));
    }
    if ((ready.revents & POLLIN) == 0) return absl::OkStatus();
    std::unique_lock<std::mutex> lock(mutex_);
    // Another thread reads: wait for the socket to take bytes alone (past
    // the deadline, the poll above fails at once).
    if (reading_) {
      lock.unlock();
      if (WaitFor(socket_.get(), POLLOUT, deadline)) return absl::OkStatus();
      continue;
    }
    ReadLocked(lock, absl::Now(), absl::InfiniteFuture());
    TROUPE_RETURN_IF_ERROR(broken_);
  }
}

void WireClient::ReadLocked(std::unique_lock<std::mutex>& lock,
                            absl::Time deadline, absl::Time silent_until) {
  reading_ = true;
  lock.unlock();
  absl::Status read = ReadOnce(deadline, silent_until);
  lock.lock();
  reading_ = false;
  if (!read.ok()) BreakLocked(read);
  // Another waiter may read now.
  changed_.notify_all();
}

absl::Status WireClient::ReadOnce(absl::Time deadline,
                                  absl::Time silent_until) {
  bool buffered;
  {
    std::lock_guard<std::mutex> stream_lock(stream_mutex_);
    buffered = stream_->HasBuffered();
  }
  if (!buffered &&
      !WaitForReply(socket_.get(), std::min(deadline, silent_until),
                    reply_spin_)) {
    if (absl::Now() < silent_until) return absl::OkStatus();
    return absl::UnavailableError(
        absl::StrCat("Lost the connection to the task at ", address_,
                     ": it sent nothing for ",
                     absl::FormatDuration(options_.silence_timeout)));
  }
  std::vector<Frame> frames;
  for (;;) {
    absl::StatusOr<FrameReader::Progress> progress;
    {
      std::lock_guard<std::mutex> stream_lock(stream_mutex_);
      progress = reader_.ReadFrom(*stream_, frames);
    }
    if (!progress.ok()) {
      return absl::UnavailableError(
          absl::StrCat("Lost the connection to the task at ", address_, ": ",
                       progress.status().message()));
    }
    if (*progress == FrameReader::Progress::kClosed) {
      return absl::UnavailableError(absl::StrCat(
          "Lost the connection to the task at ", address_, ": it closed"));
    }
    if (*progress == FrameReader::Progress::kWouldBlock ||
        *progress == FrameReader::Progress::kDrained) {
      break;
    }
  }
  std::vector<std::pair<uint64_t, absl::StatusOr<Message>>> replies;
  for (Frame& frame : frames) {
    const uint64_t id = frame.header.request_id;
    shared_bytes_received_.fetch_add(frame.shared_bytes);
    absl::StatusOr<Message> message = DecodeMessage(std::move(frame));
    if (message.ok() && std::holds_alternative<Heartbeat>(*message)) continue;
    if (message.ok() && std::holds_alternative<ErrorReply>(*message)) {
      absl::Status error = std::get<ErrorReply>(*message).status;
      // An error that answers no request is the task closing the connection.
      if (id == 0) return error;
      message = std::move(error);
    }
    replies.emplace_back(id, std::move(message));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  last_heard_ = absl::Now();
  for (auto& [id, reply] : replies) {
    auto it = waiting_.find(id);
    // A call that gave up waiting no longer has a slot.
    if (it == waiting_.end()) continue;
    Slot* slot = it->second;
    waiting_.erase(it);
    DeliverLocked(slot, std::move(reply));
  }
  return absl::OkStatus();
}

void WireClient::BreakLocked(const absl::Status& why) {
  if (broken_.ok()) {
    broken_ = why;
    shutdown(socket_.get(), SHUT_RDWR);
  }
  std::unordered_map<uint64_t, Slot*> failed;
  failed.swap(waiting_);
  for (auto& [id, slot] : failed) DeliverLocked(slot, broken_);
  for (auto& lost : when_lost_) lost(broken_);
  when_lost_.clear();
  changed_.notify_all();
}

}  // namespace troupe
