#include "net/server_connection.h"

#include <sys/epoll.h>

#include <utility>

#include "absl/time/clock.h"

namespace troupe {

ServerConnection::ServerConnection(Fd fd, int epoll_fd, uint64_t token,
                                   std::shared_ptr<WireStats> stats)
    : fd_(std::move(fd)),
      stream_(std::make_unique<PlainStream>(fd_.get())),
      epoll_fd_(epoll_fd),
      token_(token),
      stats_(std::move(stats)),
      events_(EPOLLIN) {}

void ServerConnection::Send(uint64_t request_id, const Message& message) {
  Push(request_id, message, true);
}

void ServerConnection::Queue(uint64_t request_id, const Message& message) {
  Push(request_id, message, false);
}

void ServerConnection::Push(uint64_t request_id, const Message& message,
                            bool write_now) {
  absl::StatusOr<EncodedFrame> frame =
      EncodeMessage(request_id, message, {}, shared_min_bytes_.load());
  if (!frame.ok())
    frame = EncodeMessage(request_id, ErrorReply{frame.status()});
  if (!frame.ok()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (request_id != 0 && unanswered_ > 0) --unanswered_;
  if (closed_) return;
  stats_->frames_out.fetch_add(1, std::memory_order_relaxed);
  stats_->bytes_out.fetch_add(frame->size(), std::memory_order_relaxed);
  stats_->shared_bytes_out.fetch_add(frame->shared_bytes,
                                     std::memory_order_relaxed);
  writer_.Push(*std::move(frame));
  if (write_now) WriteLocked();
}

void ServerConnection::SendHeartbeat() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_ || unanswered_ == 0 || !writer_.empty()) return;
  absl::StatusOr<EncodedFrame> frame = EncodeMessage(0, Heartbeat{});
  if (!frame.ok()) return;
  stats_->frames_out.fetch_add(1, std::memory_order_relaxed);
  stats_->bytes_out.fetch_add(frame->size(), std::memory_order_relaxed);
  writer_.Push(*std::move(frame));
  WriteLocked();
}

void ServerConnection::RequestReceived() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++unanswered_;
  if (unanswered_ == kMaxUnanswered + 1) WatchLocked();
}

bool ServerConnection::ReadPaused() {
  std::lock_guard<std::mutex> lock(mutex_);
  return ReadPausedLocked();
}

bool ServerConnection::ReadPausedLocked() const {
  return writer_.frames() > kMaxPendingReplies ||
         writer_.pending_bytes() > kMaxPendingReplyBytes ||
         unanswered_ > kMaxUnanswered;
}

void ServerConnection::SendBytes(const char* bytes, size_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  stats_->bytes_out.fetch_add(size, std::memory_order_relaxed);
  writer_.PushBytes(bytes, size);
  WriteLocked();
}

absl::StatusOr<FrameReader::Progress> ServerConnection::Read(
    FrameReader& reader, std::vector<Frame>& frames) {
  std::lock_guard<std::mutex> lock(mutex_);
  return reader.ReadFrom(*stream_, frames);
}

bool ServerConnection::HasBuffered() {
  std::lock_guard<std::mutex> lock(mutex_);
  return !closed_ && stream_->HasBuffered();
}

absl::Status ServerConnection::StartTls(const TlsContext& context) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!writer_.empty()) {
    return absl::InternalError(
        "The handshake is not sent yet: cannot start TLS");
  }
  auto tls =
      std::make_unique<TlsStream>(context, fd_.get(), TlsStream::Role::kServer);
  tls_handshaking_ = tls.get();
  stream_ = std::move(tls);
  return absl::OkStatus();
}

absl::StatusOr<bool> ServerConnection::ContinueTls() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tls_handshaking_ == nullptr) return true;
  absl::StatusOr<bool> done = tls_handshaking_->Handshake();
  if (done.ok() && *done) {
    tls_handshaking_ = nullptr;
    WriteLocked();
  }
  WatchLocked();
  return done;
}

bool ServerConnection::Flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!closed_) WriteLocked();
  return !lost_;
}

void ServerConnection::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd_.get(), nullptr);
  stream_.reset();
  fd_.Reset();
}

absl::Time ServerConnection::StalledSince() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stalled_since_;
}

void ServerConnection::WriteLocked() {
  if (stalled_since_ == absl::InfiniteFuture() && !writer_.empty()) {
    stalled_since_ = absl::Now();
  }
  // Replies wait for TLS to be up; the plaintext handshake went before it.
  if (lost_ || tls_handshaking_ != nullptr) return;
  const uint64_t before = writer_.pending_bytes();
  absl::StatusOr<bool> all_sent = writer_.WriteTo(*stream_);
  if (!all_sent.ok()) lost_ = true;
  if (writer_.empty()) {
    stalled_since_ = absl::InfiniteFuture();
  } else if (writer_.pending_bytes() < before) {
    stalled_since_ = absl::Now();
  }
  WatchLocked();
}

void ServerConnection::WatchLocked() {
  // Watch for room only while something waits (a lost connection shows as
  // EPOLLHUP or EPOLLERR, which epoll always reports).
  const bool watch = tls_handshaking_ != nullptr
                         ? tls_handshaking_->wants_write()
                         : !lost_ && !writer_.empty();
  const bool paused = ReadPausedLocked();
  const uint32_t events =
      (paused ? 0u : uint32_t{EPOLLIN}) | (watch ? uint32_t{EPOLLOUT} : 0u);
  if (events == events_) return;
  events_ = events;
  epoll_event event{};
  event.events = events;
  event.data.u64 = token_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_.get(), &event);
}

}  // namespace troupe
