// ServerConnection: one accepted wire connection as its task's I/O thread and
// its proxy actor share it: the socket, its TLS if any, and the replies
// waiting to be sent.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "net/byte_stream.h"
#include "net/fd.h"
#include "net/frame_reader.h"
#include "net/frame_writer.h"
#include "net/tls_stream.h"
#include "net/wire_stats.h"
#include "serialization/wire_messages.h"

namespace troupe {

class ServerConnection {
 public:
  // Past this many replies, or reply bytes, waiting to be sent, the
  // connection is not read until its client reads them: a client that sends
  // requests without reading replies cannot make its task hold more.
  static constexpr size_t kMaxPendingReplies = 1024;
  static constexpr uint64_t kMaxPendingReplyBytes = uint64_t{16} << 20;
  // Nor is it read while this many of its requests wait for their replies
  // (in the proxy's mailbox or at a resource): a client cannot queue up more
  // work than that on its task.
  static constexpr uint64_t kMaxUnanswered = 4096;

  // `fd` is registered with `epoll_fd` under `token` for EPOLLIN.
  // Counts what it sends in `stats`, which the task's connections share.
  ServerConnection(Fd fd, int epoll_fd, uint64_t token,
                   std::shared_ptr<WireStats> stats);

  // Sends `message` as the answer to `request_id`, or queues what the socket
  // does not take now and has the I/O thread send it (EPOLLOUT). A reply
  // the client would refuse (over its limits) goes as the ErrorReply saying
  // so. Thread-safe; does nothing once closed.
  void Send(uint64_t request_id, const Message& message);
  // Send, but leaves the reply with those waiting to be sent until the next
  // Send or Flush: replies that are ready together go in one write.
  void Queue(uint64_t request_id, const Message& message);
  // A heartbeat, if requests of the client wait for replies and nothing else
  // waits to be sent: a waiting client hears the task at least every
  // heartbeat interval, and an idle one gets nothing to pile up.
  void SendHeartbeat();
  // Raw bytes (the handshake), sent the same way.
  void SendBytes(const char* bytes, size_t size);
  // From now on, replies send their segments of at least `min_bytes` through
  // shared memory (both handshakes allowed it on this Unix socket).
  void ShareMemory(uint64_t min_bytes) { shared_min_bytes_ = min_bytes; }

  // The I/O thread's side.
  // Counts a request that its reply (a Send) will answer.
  void RequestReceived();
  // Whether the connection is not to be read now (the limits above).
  bool ReadPaused();
  // One read (FrameReader::ReadFrom).
  absl::StatusOr<FrameReader::Progress> Read(FrameReader& reader,
                                             std::vector<Frame>& frames);
  // Whether TLS holds bytes that a read would return though the socket has
  // none.
  bool HasBuffered();
  // Begins TLS as the server, after the plaintext handshakes; INTERNAL if
  // plaintext bytes still wait to be sent.
  absl::Status StartTls(const TlsContext& context);
  // Moves the TLS handshake on: true once TLS is up (or there is none).
  absl::StatusOr<bool> ContinueTls();
  // On EPOLLOUT: sends what is queued. False when the connection was lost.
  bool Flush();
  // Closes the socket; later sends do nothing.
  void Close();

  // Since when replies have waited without a byte of them sent;
  // InfiniteFuture while none wait.
  absl::Time StalledSince();

  int fd() const { return fd_.get(); }
  uint64_t token() const { return token_; }
  const WireStats& stats() const { return *stats_; }

 private:
  // Send (with `write_now`) or Queue.
  void Push(uint64_t request_id, const Message& message, bool write_now);
  // REQUIRES: mutex_ held.
  void WriteLocked();
  void WatchLocked();
  bool ReadPausedLocked() const;

  std::mutex mutex_;
  Fd fd_;
  std::unique_ptr<ByteStream> stream_;
  TlsStream* tls_handshaking_ = nullptr;  // stream_, while its handshake runs
  const int epoll_fd_;
  const uint64_t token_;
  const std::shared_ptr<WireStats> stats_;
  FrameWriter writer_;
  bool closed_ = false;
  bool lost_ = false;
  uint32_t events_;  // as registered with epoll
  absl::Time stalled_since_ = absl::InfiniteFuture();
  // Requests received and not answered yet.
  uint64_t unanswered_ = 0;
  std::atomic<uint64_t> shared_min_bytes_{kNoSharedMemory};
};

}  // namespace troupe
